"""Issue 16: the core never imports an integration or a contrib app."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Loads every entry point of the core a host reaches: app registry, URLconf
# (with the Wagtail admin hooks), the Celery tasks, the tick and GDPR erase.
LOAD_THE_CORE = """
import json, sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns
import drip_plugin.tasks, drip_plugin.consent.gdpr, drip_plugin.scheduling.tick, drip_plugin.wagtail_hooks
print(json.dumps(sorted(sys.modules)))
"""


def test_point_core_alone_loads_no_contrib_app_and_no_saleor_or_oscar_integration():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.core_only.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", LOAD_THE_CORE], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout.splitlines()[-1])
    assert "drip_plugin.scheduling.tick" in modules and "drip_plugin.consent.gdpr" in modules
    loaded = [name for name in modules if name.startswith(
        ("drip_plugin.contrib", "drip_plugin.integrations.saleor", "drip_plugin.integrations.oscar"))]
    assert loaded == []


def test_point_celery_is_imported_only_by_the_task_shells():
    package = ROOT / "drip_plugin"
    importers = sorted(str(path.relative_to(package)) for path in package.rglob("*.py")
                       if any(line.startswith(("from celery", "import celery"))
                              for line in path.read_text().splitlines()))
    assert importers == ["contrib/saleor/tasks.py", "tasks.py"]
