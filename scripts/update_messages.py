#!/usr/bin/env python3
"""Regenerate drip_plugin's translation catalogues, then compile them.

    .venv/bin/python scripts/update_messages.py

Runs `django-admin makemessages` from drip_plugin/ (every .py and .html of the
package, contrib apps included) for each language of LANGUAGES, then
`compilemessages`. New msgids arrive untranslated: translate them in
drip_plugin/locale/<lang>/LC_MESSAGES/django.po and run this again.
tests/test_i18n.py fails until the catalogue is current and fully translated.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "drip_plugin"
LANGUAGES = ("fr",)
# Source references by file only: line numbers would churn the .po on every edit.
MAKEMESSAGES = ["makemessages", "--no-obsolete", "--add-location", "file", "--extension", "html,txt,py",
                *(f"--locale={language}" for language in LANGUAGES)]


def django_admin(args: list[str], package: Path) -> None:
    """Django's command in `package`, without the caller's settings (these commands need none)."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    subprocess.run([sys.executable, "-m", "django", *args], cwd=package, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def make_messages(package: Path = PACKAGE) -> None:
    django_admin(MAKEMESSAGES, package)


def compile_messages(package: Path = PACKAGE) -> None:
    django_admin(["compilemessages", *(f"--locale={language}" for language in LANGUAGES)], package)


if __name__ == "__main__":
    make_messages()
    compile_messages()
