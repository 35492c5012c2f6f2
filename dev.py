#!/usr/bin/env python3
"""The project's two entry points; needs only Python 3.11+.

    python3 dev.py demo   set up .venv, migrate, seed and run the demo store
    python3 dev.py messages  regenerate and compile the translation catalogues
                          (after changing a user-facing string; translate the
                          new entries of drip_plugin/locale/*/LC_MESSAGES/django.po
                          and run it again)
    python3 dev.py test   set up .venv and run the test suite in passes, side by
                          side (one per core): SQLite, and PostgreSQL + Redis when
                          they answer (CI=true requires them), each with the
                          django-oscar adapter's pass; the release step (docs site
                          in strict mode, the wheel installed in a fresh venv,
                          tests/release); one SQLite pass per other row of the
                          supported matrix (ROWS), each in its own venv. Each
                          pass's log is printed when it ends.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
PY = BIN / "python"
SITE = ROOT / "example_site"
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
CHROMIUM = Path("/usr/bin/chromium")
STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"\033[1m==> {text}\033[0m", flush=True)


def since_start() -> str:
    minutes, seconds = divmod(int(time.monotonic() - STARTED), 60)
    return f"{minutes}:{seconds:02d}"


def run(*args, **kwargs) -> int:
    return subprocess.call([str(a) for a in args], **kwargs)


def ensure_venv(extras: str, venv: Path = VENV, python: Path = Path(sys.executable),
                constraints: Path | None = None, output=None) -> Path:
    """Create `venv` with `python` and install the project (+extras, pinned by
    `constraints`) when setup.cfg or the constraints changed; its python.
    `output`: a file pip's output goes to (default: this terminal)."""
    py = venv / "bin" / "python"
    if not py.exists():
        say(f"creating {venv.name} ({python})")
        subprocess.check_call([python, "-m", "venv", str(venv)])
    pins = constraints.read_bytes() if constraints else b""
    digest = hashlib.sha256((ROOT / "setup.cfg").read_bytes() + extras.encode() + pins).hexdigest()
    stamp = venv / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return py
    say(f"installing drip_plugin[{extras}] into {venv.name}")
    streams = {"stdout": output, "stderr": output and subprocess.STDOUT}
    subprocess.check_call([py, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], **streams)
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    pin = ["--constraint", str(constraints)] if constraints else []
    subprocess.check_call([py, "-m", "pip", "install", "--quiet", *pin, "-e", target], **streams)
    stamp.write_text(digest)
    return py


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def pytest_passed(code: int) -> bool:
    # 5 = no tests collected: a suite that ran nothing has not passed.
    return code == 0


def ensure_chromium() -> None:
    """The browser tests drive Debian's Chromium (Playwright cannot download
    its own browser here); install it when missing and we are root."""
    if CHROMIUM.exists():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        say(f"{CHROMIUM} is missing and cannot be installed here (needs root and apt-get): "
            "browser tests will skip (and fail with CI=true)")
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    say(f"{CHROMIUM} is missing: running apt-get update && apt-get install -y chromium (for the browser tests)")
    if run("apt-get", "update", env=env) or run("apt-get", "install", "-y", "chromium", env=env):
        say("apt-get could not install chromium: browser tests will skip (and fail with CI=true)")


# django-oscar's ~40 apps get their own pass so the main suite stays small;
# --nomigrations: Oscar's and Wagtail's migrations would add ~35 s, and the
# main suite already migrates drip_plugin's own schema.
OSCAR_PASS = ["--ds=tests.oscar_settings", "--nomigrations", "tests/integrations/test_oscar.py"]

# Once per run, not per database or row: `mkdocs build --strict` and the
# wheel built, installed into a fresh venv and sending one email.
RELEASE_PASS = ["tests/release"]


# The supported matrix's other ends (README, "Supported versions"): name →
# the Python it runs on; .ci/constraints/<name>.txt pins its Django and
# Wagtail. The default row (.venv) is this machine's python3 with the newest
# versions setup.cfg allows.
ROWS = {"py311-wt7": "3.11", "py313-dj60": "3.13"}


def pyenv_python(minor: str) -> Path | None:
    """The newest ~/.pyenv/versions/<minor>.N interpreter, if there is one."""
    found = [path for path in PYENV.glob(f"versions/{minor}.*/bin/python")
             if re.fullmatch(rf"{re.escape(minor)}\.\d+", path.parent.parent.name)]
    return max(found, key=lambda path: int(path.parent.parent.name.rsplit(".", 1)[1]), default=None)


@dataclass
class Pass:
    """One pass of `dev.py test`: pytest runs in one venv, in order, all of
    them whatever the previous one gave (a failure hides no other)."""
    name: str
    python: Callable[[], Path]  # may wait for its venv (made in the background)
    runs: list[list[str]]
    env: dict[str, str]


def suite_pass(name: str, python: Callable[[], Path], args: list[str], env: dict[str, str]) -> Pass:
    """The main suite, then the django-oscar pass, on `env`'s database."""
    return Pass(name, python, [args, OSCAR_PASS], env)


def run_pass(job: Pass, logs: Path) -> tuple[bool, float, float]:
    """Run `job` into logs/<name>.log; (passed, wall seconds, CPU seconds of
    its processes: user + system, waited-for children included)."""
    log_path = logs / f"{job.name}.log"
    started, cpu, passed = time.monotonic(), 0.0, True
    with log_path.open("w") as log:
        try:
            python = job.python()
        except Exception as error:  # its venv could not be made: said in its log
            log.write(f"no venv for {job.name}: {error}\n")
            return False, time.monotonic() - started, cpu
        say(f"{job.name}: started at {since_start()} ({log_path.relative_to(ROOT)})")
        for args in job.runs:
            log.write(f"==> {job.name}: pytest {' '.join(args)}\n")
            log.flush()
            process = subprocess.Popen([str(python), "-m", "pytest", *args], cwd=ROOT, env=job.env,
                                       stdout=log, stderr=subprocess.STDOUT)
            # wait4, not wait(): the pass's CPU time, which a loaded machine does not inflate.
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            cpu += usage.ru_utime + usage.ru_stime
            passed = pytest_passed(process.returncode) and passed
    return passed, time.monotonic() - started, cpu


def run_passes(passes: list[Pass]) -> int:
    """The passes side by side, one per core (each has its own database, SQLite
    file or venv); each pass's log is printed whole when it ends, so their
    outputs never interleave; then one line with each pass's times."""
    logs = ROOT / "test-artifacts" / "dev-test"
    logs.mkdir(parents=True, exist_ok=True)
    cores = len(os.sched_getaffinity(0))
    say(f"{len(passes)} passes, {min(cores, len(passes))} at a time: " + ", ".join(job.name for job in passes))
    lock, results = threading.Lock(), {}

    def finish(job: Pass) -> None:
        passed, wall, cpu = run_pass(job, logs)
        with lock:
            results[job.name] = passed, wall, cpu
            say(f"{job.name}: {'passed' if passed else 'FAILED'} at {since_start()}, "
                f"in {wall:.0f} s (CPU {cpu:.0f} s)")
            sys.stdout.write((logs / f"{job.name}.log").read_text())
            sys.stdout.flush()

    slots = ThreadPoolExecutor(max_workers=cores)
    try:
        for started in [slots.submit(finish, job) for job in passes]:
            started.result()
    finally:
        slots.shutdown(cancel_futures=True)  # Ctrl-C starts no further pass
    each = "; ".join(f"{job.name} {'passed' if ok else 'FAILED'}, {wall:.0f} s wall, {cpu:.0f} s CPU"
                     for job in passes for ok, wall, cpu in [results[job.name]])
    # Wall times say little on a shared machine; its load says how little.
    load = " ".join(f"{figure:.2f}" for figure in os.getloadavg())
    say(f"all passes ended at {since_start()}: {each}; load average {load}")
    failed = [job.name for job in passes if not results[job.name][0]]
    if failed:
        say("failed: " + ", ".join(failed) + f" (logs in {logs.relative_to(ROOT)}/)")
        return 1
    return 0


def test(args: list[str]) -> int:
    py = ensure_venv("test,oscar")
    ensure_chromium()
    in_ci = os.environ.get("CI", "").lower() == "true"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    passes = []
    if answers("127.0.0.1", 5432) and answers("127.0.0.1", 6379):
        passes.append(suite_pass("postgres", lambda: py, args, {**env, "DRIP_TEST_DB": "postgres"}))
    elif in_ci:
        say("CI=true but PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379) does not answer")
        return 1
    else:
        say("PostgreSQL/Redis not reachable: skipping the PostgreSQL pass")
    passes.append(suite_pass("sqlite", lambda: py, args, {**env, "DRIP_TEST_DB": "sqlite"}))
    passes.append(Pass("release", lambda: py, [RELEASE_PASS], {**env, "DRIP_TEST_DB": "sqlite",
                       "DRIP_TEST_RELEASE": "1", "DRIP_TEST_SQLITE_NAME": ".test-release.sqlite3"}))
    pythons = {}
    for row, minor in ROWS.items():
        if python := pyenv_python(minor):
            pythons[row] = python
        else:
            say(f"row {row}: no Python {minor} under {PYENV / 'versions'}: "
                + ("CI=true requires every row" if in_ci else "skipping it"))
            if in_ci:
                return 1
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    venv_log = ROOT / "test-artifacts" / "row-venvs.log"
    # The rows' venvs are made while the first passes run (pip waits on the
    # network, the tests on the CPU), one after the other: pip writes the
    # project's egg-info into the checkout.
    with venv_log.open("w") as pip_output, ThreadPoolExecutor(max_workers=1) as background:
        venvs = {row: background.submit(ensure_venv, "test,oscar", ROOT / f".venv-{row}", python,
                                        ROOT / ".ci" / "constraints" / f"{row}.txt", pip_output)
                 for row, python in pythons.items()}

        def row_python(row: str) -> Callable[[], Path]:
            def python() -> Path:
                if error := venvs[row].exception():
                    raise RuntimeError(f"pip failed ({error}): see {venv_log.relative_to(ROOT)}")
                return venvs[row].result()
            return python

        rows = [suite_pass(row, row_python(row), args,
                           {**env, "DRIP_TEST_DB": "sqlite", "DRIP_TEST_SQLITE_NAME": f".test-{row}.sqlite3"})
                for row in pythons]
        return run_passes([*passes, *rows])


# Translation catalogues. Source references by file only: line numbers would
# churn the .po on every edit.
LANGUAGES = ("fr",)
MAKEMESSAGES = ["makemessages", "--no-obsolete", "--add-location", "file", "--extension", "html,txt,py",
                "--ignore", "frontend/*", *(f"--locale={language}" for language in LANGUAGES)]


def django_admin(args: list[str], package: Path, python: Path) -> None:
    """Django's command in `package`, without the caller's settings (these commands need none)."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    subprocess.run([str(python), "-m", "django", *args], cwd=package, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def make_messages(package: Path = ROOT / "drip_plugin", python: Path = Path(sys.executable)) -> None:
    django_admin(MAKEMESSAGES, package, python)


def messages(args: list[str]) -> int:
    py = ensure_venv("test,oscar")
    make_messages(python=py)
    django_admin(["compilemessages", *(f"--locale={language}" for language in LANGUAGES)],
                 ROOT / "drip_plugin", py)
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def demo(args: list[str]) -> int:
    ensure_venv("")
    manage = [str(PY), "manage.py"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for step in (["migrate", "--noinput"], ["seed_demo"]):
        if subprocess.call(manage + step, cwd=SITE, env=env):
            return 1
    procs = [
        subprocess.Popen(
            [BIN / "celery", "-A", "demo_store", "worker", "-B", "--pool", "solo",
             # warning: no "Task … received/succeeded" pair every tick (10 s) burying the request log;
             # drip's own lines still show (settings.LOGGING).
             "--loglevel", "warning",
             "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"],
            cwd=SITE, env=env, start_new_session=True,
        ),
        subprocess.Popen(manage + ["runserver", "127.0.0.1:8000", "--noreload"], cwd=SITE, env=env,
                         start_new_session=True),
    ]
    say("demo store: http://127.0.0.1:8000  (admin: http://127.0.0.1:8000/admin/, user admin / password admin)")
    say(f"sent emails are written to {SITE / 'var' / 'sent-emails'} and listed at http://127.0.0.1:8000/outbox/")
    say("Ctrl-C stops everything")
    # A plain `kill` (SIGTERM) must stop the children too, like Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
    return 0


def main() -> int:
    commands = {"demo": demo, "messages": messages, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
