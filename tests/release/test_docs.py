"""Issue 24, acceptance point 3: the docs build in strict mode inside the
test command; their screenshots are committed images, so no browser is needed."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from drip_plugin.conf import DEFAULTS

from .conftest import ROOT


def test_point3_docs_build_in_strict_mode_from_committed_screenshots(tmp_path):
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", tmp_path / "site"],
                           cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert build.returncode == 0, build.stderr[-4000:]
    images = [name for page in (ROOT / "docs").glob("*.md") for name in re.findall(r"\(img/([^)]+\.png)\)", page.read_text())]
    assert images and all((ROOT / "docs" / "img" / name).is_file() for name in images)
    tracked = subprocess.run(["git", "ls-files", "docs/img"], cwd=ROOT, capture_output=True, text=True).stdout
    assert all(f"docs/img/{name}" in tracked for name in images), "screenshots must be committed"


def test_point3_settings_reference_documents_every_drip_plugin_key():
    reference = (ROOT / "docs" / "settings.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)`", reference, re.MULTILINE))
    documented |= {key for pair in re.findall(r"^\| `([A-Z_]+)` / `([A-Z_]+)`", reference, re.MULTILINE)
                   for key in pair}
    assert set(DEFAULTS) - documented == set()


def test_point3_readme_keeps_the_two_commands_and_links_to_existing_docs_pages():
    readme = (ROOT / "README.md").read_text()
    assert "python3 dev.py demo" in readme and "python3 dev.py test" in readme
    targets = re.findall(r"\]\(((?:docs/)?[\w./-]+\.md)(?:#[\w-]+)?\)", readme)
    assert {"docs/install.md", "docs/settings.md", "docs/demo.md", "CHANGELOG.md"} <= set(targets)
    assert all((ROOT / target).is_file() for target in targets)
