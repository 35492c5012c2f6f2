"""Our own redis-server, PostgreSQL and Celery processes on spare ports, for
fault tests that restart or kill them: the machine's services keep running.

Without the binaries the tests skip, except under CI=true, where they fail
(as the browser tests do without Chromium)."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60
HOLD_SECONDS = 45  # below the SMTP backend's 60 s timeout


def unavailable(reason: str):
    """Skip the test, or fail it under CI=true, where every test must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def require_binary(name: str, *search: str) -> str:
    """The binary's path: on PATH, else the first match of the `search` globs."""
    found = shutil.which(name) or next(iter(sorted(p for pattern in search for p in glob.glob(pattern))), None)
    if not found:
        unavailable(f"`{name}` is missing (apt-get install {'redis-server' if 'redis' in name else 'postgresql'})")
    return found


def wait_for(condition: Callable[[], object], what: str, seconds: float = STARTUP_SECONDS):
    """Poll `condition` until it returns something true; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)  # polling a condition, not waiting on a schedule
    return result


class Hold:
    """Makes the sink keep its reply to one message (by arrival count):
    every sender waiting on the sink is frozen mid-batch until release()."""

    def __init__(self, sink):
        self.at, self.held, self.released = None, threading.Event(), threading.Event()
        sink.on_message = self

    def __call__(self, count: int) -> None:
        if count == self.at:
            self.held.set()
            self.released.wait(HOLD_SECONDS)

    def hold_at(self, count: int) -> None:
        self.held.clear()
        self.released.clear()
        self.at = count
        wait_for(self.held.is_set, f"message {count} at the sink")

    def release(self) -> None:
        self.at = None
        self.released.set()


class RedisServer:
    """A throwaway redis-server on a spare port, without persistence."""

    def __init__(self, workdir: Path):
        self.binary = require_binary("redis-server")
        self.port, self.workdir, self.process = free_port(), workdir, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, f"redis-server on port {self.port}")

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_timeout=5)

    def answers(self) -> bool:
        import redis

        try:
            return self.client().ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=STARTUP_SECONDS)


class PostgresServer:
    """A throwaway PostgreSQL cluster (initdb) on a spare port; as root, run
    by the `postgres` user, since PostgreSQL refuses to run as root."""

    def __init__(self):
        search = "/usr/lib/postgresql/*/bin/{}"
        self.initdb, self.pg_ctl = (require_binary(name, search.format(name)) for name in ("initdb", "pg_ctl"))
        self.user = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                unavailable("PostgreSQL refuses to run as root and there is no `postgres` user")
        # Not under pytest's tmp_path: its parents are closed to the `postgres` user.
        self.workdir = Path(tempfile.mkdtemp(prefix="drip-pg-"))
        if self.user:
            os.chown(self.workdir, self.user.pw_uid, self.user.pw_gid)
        self.port, self.data = free_port(), self.workdir / "data"
        self._run(self.initdb, "-D", self.data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")

    def _run(self, *args) -> None:
        done = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=self.workdir,
                              user=self.user.pw_uid if self.user else None,
                              group=self.user.pw_gid if self.user else None)
        assert done.returncode == 0, f"{args[0]} failed: {done.stdout}{done.stderr}"

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off"
        self._run(self.pg_ctl, "start", "-D", self.data, "-w", "-t", STARTUP_SECONDS, "-l", self.data / "log",
                  "-o", options)

    def stop(self) -> None:
        self._run(self.pg_ctl, "stop", "-D", self.data, "-m", "immediate", "-w")

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        """Stop the server if it runs and delete its files."""
        subprocess.run([self.pg_ctl, "stop", "-D", str(self.data), "-m", "immediate", "-w"], capture_output=True,
                       user=self.user.pw_uid if self.user else None, group=self.user.pw_gid if self.user else None)
        shutil.rmtree(self.workdir, ignore_errors=True)


class CeleryProcess:
    """`celery worker` or `celery beat` of tests.delivery.celery_app, its
    output in a log file the test can wait on."""

    def __init__(self, log: Path, *args: str, env: dict[str, str]):
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "tests.delivery.celery_app", *args, "--loglevel", "info"],
                cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the pool processes go with it
            )
        self.pid = self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, text: str, after: int = 0) -> int:
        """Wait until `text` appears in the log past offset `after`; return
        the offset just past it. Fails early if the process exits."""
        def seen():
            assert self.process.poll() is None, f"celery exited ({self.process.returncode}):\n{self.output()[-6000:]}"
            found = self.output().find(text, after)
            return found + len(text) if found >= 0 else None
        return wait_for(seen, f"{text!r} from celery")

    def holds_socket(self, local_port: int) -> bool:
        """Whether this process or one of its pool processes has the TCP
        connection whose local port is `local_port` open."""
        inodes = {fields[9] for fields in (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
                  if int(fields[1].rpartition(":")[2], 16) == local_port}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                in_group = int(stat.read_text().rpartition(")")[2].split()[2]) == self.pid  # pgrp
                if in_group and any(os.readlink(fd).removeprefix("socket:[").rstrip("]") in inodes
                                    for fd in (stat.parent / "fd").iterdir()):
                    return True
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue  # a process that ended meanwhile
        return False

    def kill(self) -> None:
        """SIGKILL the process and its pool processes at once (a crash)."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=STARTUP_SECONDS)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STARTUP_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        self.kill()  # whatever is left of its process group
