"""The Celery app of the fault tests' real `celery worker` / `celery beat`
processes: the test settings, pointed (from the environment, before Django
reads them) at the test's database, broker and SMTP sink.

    DRIP_WORKER_DB_NAME, DRIP_WORKER_DB_PORT  the test database (port: PostgreSQL only)
    DRIP_WORKER_BROKER                        redis://127.0.0.1:<port>/0
    DRIP_WORKER_SMTP_PORT                     the sink; sent through drip's SMTP backend
    DRIP_WORKER_PLUGIN                        JSON: DRIP_PLUGIN settings to override
    DRIP_WORKER_ANYMAIL                       JSON: ANYMAIL settings (an ESP's fake; bench/fan_out.py)
"""
import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import tests.settings as test_settings  # noqa: E402  (patched before Django reads it)

test_settings.DATABASES["default"]["NAME"] = os.environ["DRIP_WORKER_DB_NAME"]
if "DRIP_WORKER_DB_PORT" in os.environ:
    test_settings.DATABASES["default"]["PORT"] = os.environ["DRIP_WORKER_DB_PORT"]
test_settings.CELERY_BROKER_URL = os.environ["DRIP_WORKER_BROKER"]
test_settings.CELERY_BROKER_TRANSPORT = "drip_plugin.redis_broker:Transport"  # as the README says
# Each line says which process wrote it: a test can tell the worker was never replaced.
test_settings.CELERY_WORKER_LOG_FORMAT = "[%(asctime)s: %(levelname)s/%(processName)s pid=%(process)d] %(message)s"
test_settings.EMAIL_HOST, test_settings.EMAIL_PORT = "127.0.0.1", int(os.environ["DRIP_WORKER_SMTP_PORT"])
test_settings.DRIP_PLUGIN = {
    **test_settings.DRIP_PLUGIN,
    "EMAIL_BACKEND": "drip_plugin.delivery.smtp.EmailBackend",
    **json.loads(os.environ.get("DRIP_WORKER_PLUGIN", "{}")),
}
test_settings.ANYMAIL = json.loads(os.environ.get("DRIP_WORKER_ANYMAIL", "{}"))

from celery import Celery  # noqa: E402

app = Celery("drip_fault_tests")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["drip_plugin"])
