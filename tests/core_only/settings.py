"""Only drip_plugin and what it needs to run; see tests/test_layout.py."""
from tests.settings import INSTALLED_APPS as TEST_APPS

SECRET_KEY = "tests-only-not-secret"
USE_TZ = True
ROOT_URLCONF = "tests.core_only.urls"
# The test project's apps without its contrib app and host app.
INSTALLED_APPS = [app for app in TEST_APPS if not app.startswith(("drip_plugin.contrib", "tests."))]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
STATIC_URL = "/static/"
DRIP_PLUGIN = {"SITE_URL": "http://testserver"}
