"""The Django site bench/webhooks.py serves with gunicorn: the test
settings on the bench's database and broker (from DRIP_BENCH_SITE, JSON),
the app's URLs plus a hello-world view, the baseline the webhooks are
measured against on the same server and client."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import configure  # noqa: E402

site = json.loads(os.environ["DRIP_BENCH_SITE"])
import tests.settings as base  # noqa: E402

# Persistent database connections, as a production site runs (CONN_MAX_AGE
# 0 would open one, a PostgreSQL backend fork, per webhook).
configure({**site["database"], "CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": True}, migrate=False, ROOT_URLCONF="bench.webhook_site", ALLOWED_HOSTS=["*"],
          CELERY_BROKER_URL=site["broker"], CELERY_BROKER_TRANSPORT="drip_plugin.redis_broker:Transport",
          DRIP_PLUGIN={**base.DRIP_PLUGIN, "SALEOR_ALLOWED_API_URLS": [site["saleor_api_url"]],
                       "REGISTER_BEAT_SCHEDULE": False})

from celery import Celery  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from tests.urls import urlpatterns as app_urls  # noqa: E402

# The webhook view queues its batch task here (the site's Celery app, as a project defines one).
celery_app = Celery("bench_site")
celery_app.config_from_object("django.conf:settings", namespace="CELERY")
celery_app.set_default()


@csrf_exempt
def hello(request):
    return HttpResponse(b'{"hello": "world"}', content_type="application/json")


urlpatterns = [*app_urls, path("hello/", hello)]
application = get_wsgi_application()
