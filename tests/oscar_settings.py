"""tests/settings.py plus django-oscar, for tests/integrations/test_oscar.py
only (`pytest --ds=tests.oscar_settings`): Oscar's ~40 apps would slow down
and entangle the main suite."""
from oscar import INSTALLED_APPS as OSCAR_APPS
from oscar.defaults import *  # noqa: F403  Oscar's OSCAR_* settings

from drip_plugin.integrations.oscar import MAPPINGS  # what a host's settings do
from tests.settings import *  # noqa: F403
from tests.settings import DRIP_PLUGIN, INSTALLED_APPS, MIDDLEWARE

INSTALLED_APPS = [*INSTALLED_APPS, *(app for app in OSCAR_APPS if app not in INSTALLED_APPS)]
MIDDLEWARE = [*MIDDLEWARE, "oscar.apps.basket.middleware.BasketMiddleware"]
ROOT_URLCONF = "tests.oscar_urls"
SITE_ID = 1
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
OSCAR_DEFAULT_CURRENCY = "EUR"
MEDIA_URL = "/media/"
DRIP_PLUGIN = {**DRIP_PLUGIN, "EVENT_MAPPINGS": [*MAPPINGS]}
# Oscar's migrations create AutoField keys; this keeps its apps quiet (W042).
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# Oscar signs customers in by email (its registration view logs them in).
AUTHENTICATION_BACKENDS = ["oscar.apps.customer.auth_backends.EmailBackend",
                           "django.contrib.auth.backends.ModelBackend"]
