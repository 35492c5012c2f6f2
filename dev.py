#!/usr/bin/env python3
"""The project's two entry points; needs only Python 3.11+.

    python3 dev.py demo   set up .venv, migrate, seed and run the demo store
    python3 dev.py messages  regenerate and compile the translation catalogues
                          (after changing a user-facing string; translate the
                          new entries of drip_plugin/locale/*/LC_MESSAGES/django.po
                          and run it again)
    python3 dev.py test   set up .venv and run the test suite (SQLite, then
                          PostgreSQL + Redis when they answer; CI=true requires them);
                          each database also runs the django-oscar adapter's pass;
                          after the SQLite pass, the release step (docs site in strict
                          mode, the wheel installed in a fresh venv, tests/release);
                          then one SQLite pass per other row of the supported matrix
                          (ROWS), each in its own venv
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
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
PY = BIN / "python"
SITE = ROOT / "example_site"
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
CHROMIUM = Path("/usr/bin/chromium")


def say(text: str) -> None:
    print(f"\033[1m==> {text}\033[0m", flush=True)


def run(*args, **kwargs) -> int:
    return subprocess.call([str(a) for a in args], **kwargs)


def ensure_venv(extras: str, venv: Path = VENV, python: Path = Path(sys.executable),
                constraints: Path | None = None) -> Path:
    """Create `venv` with `python` and install the project (+extras, pinned by
    `constraints`) when setup.cfg or the constraints changed; its python."""
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
    subprocess.check_call([py, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    pin = ["--constraint", str(constraints)] if constraints else []
    subprocess.check_call([py, "-m", "pip", "install", "--quiet", *pin, "-e", target])
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


def suite(py: Path, args: list[str], env: dict[str, str], output=None) -> int:
    """The main suite, then the django-oscar pass; pytest's exit code.
    `output`: a file both go to (default: this terminal)."""
    streams = {"stdout": output, "stderr": subprocess.STDOUT} if output else {}
    code = run(py, "-m", "pytest", *args, cwd=ROOT, env=env, **streams)
    if not pytest_passed(code):
        return code or 1
    if output:
        output.write(f"==> django-oscar adapter ({env['DRIP_TEST_DB']})\n")
        output.flush()
    else:
        say(f"django-oscar adapter ({env['DRIP_TEST_DB']})")
    return run(py, "-m", "pytest", *OSCAR_PASS, cwd=ROOT, env=env, **streams)


def other_rows(args: list[str], env: dict[str, str], in_ci: bool) -> int:
    """One SQLite pass per other row of the matrix, all at once (the machine
    has a core each; every row has its own venv and SQLite file); each row's
    output is shown when it ends."""
    passes = []
    for row, minor in ROWS.items():
        python = pyenv_python(minor)
        if python is None:
            say(f"row {row}: no Python {minor} under {PYENV / 'versions'}: "
                + ("CI=true requires every row" if in_ci else "skipping it"))
            if in_ci:
                return 1
            continue
        row_py = ensure_venv("test,oscar", ROOT / f".venv-{row}", python, ROOT / ".ci" / "constraints" / f"{row}.txt")
        passes.append((row, row_py))
    results: dict[str, int] = {}
    logs = {row: tempfile.TemporaryFile("w+") for row, _ in passes}

    def run_row(row: str, row_py: Path) -> None:
        row_env = {**env, "DRIP_TEST_DB": "sqlite", "DRIP_TEST_SQLITE_NAME": f".test-{row}.sqlite3"}
        results[row] = suite(row_py, args, row_env, logs[row])

    say("rows " + ", ".join(row for row, _ in passes) + ": tests on SQLite, side by side")
    threads = [threading.Thread(target=run_row, args=passed) for passed in passes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for row, _ in passes:
        say(f"row {row}: tests on SQLite")
        logs[row].seek(0)
        shutil.copyfileobj(logs[row], sys.stdout)
        sys.stdout.flush()
    failed = [row for row, _ in passes if not pytest_passed(results[row])]
    if failed:
        say("failed: " + ", ".join(failed))
        return 1
    return 0


def test(args: list[str]) -> int:
    py = ensure_venv("test,oscar")
    ensure_chromium()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    say("tests on SQLite (filesystem/memory broker)")
    code = suite(py, args, {**env, "DRIP_TEST_DB": "sqlite"})
    if not pytest_passed(code):
        return code or 1
    say("release: the docs site (mkdocs --strict), the wheel in a fresh venv")
    code = run(py, "-m", "pytest", *RELEASE_PASS, cwd=ROOT,
               env={**env, "DRIP_TEST_DB": "sqlite", "DRIP_TEST_RELEASE": "1"})
    if not pytest_passed(code):
        return code or 1
    in_ci = os.environ.get("CI", "").lower() == "true"
    services = answers("127.0.0.1", 5432) and answers("127.0.0.1", 6379)
    if services:
        say("tests on PostgreSQL + Redis")
        code = suite(py, args, {**env, "DRIP_TEST_DB": "postgres"})
        if not pytest_passed(code):
            return code or 1
    elif in_ci:
        say("CI=true but PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379) does not answer")
        return 1
    else:
        say("PostgreSQL/Redis not reachable: skipping the PostgreSQL run")
    return other_rows(args, env, in_ci)


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
