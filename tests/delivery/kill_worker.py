"""A sending worker in its own process, for the kill tests.

usage: python -m tests.delivery.kill_worker <database name> <smtp port>
    DRIP_WORKER_PLUGIN, DRIP_WORKER_ANYMAIL  JSON: DRIP_PLUGIN settings to
        override (default: drip's SMTP backend), ANYMAIL settings (an ESP's fake)
"""
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import tests.settings as test_settings  # noqa: E402  (patched before Django reads it)

test_settings.DATABASES["default"]["NAME"] = sys.argv[1]
test_settings.EMAIL_HOST, test_settings.EMAIL_PORT = "127.0.0.1", int(sys.argv[2])
test_settings.DRIP_PLUGIN = {**test_settings.DRIP_PLUGIN, "EMAIL_BACKEND": "drip_plugin.delivery.smtp.EmailBackend",
                             **json.loads(os.environ.get("DRIP_WORKER_PLUGIN", "{}"))}
test_settings.ANYMAIL = json.loads(os.environ.get("DRIP_WORKER_ANYMAIL", "{}"))

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from drip_plugin.delivery import send_due_messages  # noqa: E402

print(send_due_messages(timezone.now(), 500), flush=True)
