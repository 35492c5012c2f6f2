"""The demo store's own settings, on a throwaway database, on the test's
port and with the local push service allowed: tests/browser/test_push_demo.py
runs the demo with them (DEMO_DB, DEMO_SITE_URL, DEMO_PUSH_ORIGIN)."""
import os

from demo_store.settings import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["DEMO_DB"]  # noqa: F405
DRIP_PLUGIN = {**DRIP_PLUGIN, "SITE_URL": os.environ["DEMO_SITE_URL"],  # noqa: F405
               "PUSH_SERVICE_ORIGINS": [os.environ["DEMO_PUSH_ORIGIN"]]}
