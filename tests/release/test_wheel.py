"""Issue 24, acceptance point 4: the built wheel installs in a fresh venv and
sends one email end to end (missing templates, static files, .mo files or
migrations in the package fail here, not in a shop).

The fresh venv gets drip_plugin from the wheel alone; its dependencies are
the test venv's, seen through a .pth file (not this checkout: the editable
install's hook is not processed there), and `pip check` proves that the
wheel's declared requirements are met by them. Downloading ~80 packages
into every test run would take minutes."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import drip_plugin

from .conftest import ROOT


def source_data_files() -> list[str]:
    """Every file of the package but Python code, as git tracks it (but for
    frontend/, the editor's npm sources: its built bundle is in static/)."""
    listed = subprocess.run(["git", "ls-files", "drip_plugin"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.split()
    return sorted(str(Path(name).relative_to("drip_plugin")) for name in listed
                  if not name.endswith(".py") and not name.startswith("drip_plugin/frontend/"))


def tracked_copy(destination: Path) -> Path:
    """The checkout's tracked files as they are on disk, copied to
    `destination`: the build writes its egg-info there, not into the checkout,
    where `dev.py test` may be pip-installing a row's venv meanwhile, and no
    untracked file can slip into the package."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():  # not a file deleted but not yet committed
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
    return destination


def test_point4_built_wheel_installs_in_a_fresh_venv_and_sends_one_email_end_to_end(tmp_path):
    dist = tmp_path / "dist"
    # sdist first, then the wheel built from the sdist: what PyPI users get.
    # --no-isolation: the build backend (setuptools, wheel; the test extra)
    # comes from this venv rather than being downloaded for every run.
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", dist,
                    tracked_copy(tmp_path / "source")], check=True, capture_output=True)
    version = drip_plugin.__version__
    wheel = dist / f"drip_plugin-{version}-py3-none-any.whl"
    sdist = dist / f"drip_plugin-{version}.tar.gz"
    assert wheel.exists() and sdist.exists()
    with tarfile.open(sdist) as archive:
        assert f"drip_plugin-{version}/CHANGELOG.md" in archive.getnames()
    with zipfile.ZipFile(wheel) as archive:
        assert f"drip_plugin-{version}.dist-info/METADATA" in archive.namelist()

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "test_venv_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [python, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--quiet", "--no-deps", "--no-index", wheel], check=True)
    check = subprocess.run([*pip, "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    site = tmp_path / "shop"
    shutil.copytree(Path(__file__).parent / "wheel_site", site)
    run = subprocess.run([python, "send_one.py"], cwd=site, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-4000:]
    summary = json.loads(run.stdout.split("\n--summary--\n")[-1])

    assert summary["module"].startswith(str(venv))  # the installed wheel, not this checkout
    assert (summary["sent"], summary["to"], summary["subject"]) == (1, ["ada@example.com"], "Welcome, friend!")
    assert summary["html_has_footer"] and summary["preferences_status"] == 200
    assert "<form" in summary["preferences_page"]
    assert summary["data_files"] == source_data_files()  # templates, static, locale (.po and .mo)
    static = [name for name in source_data_files() if name.startswith("static/")]
    assert summary["collected"] == [name.removeprefix("static/") for name in static]
