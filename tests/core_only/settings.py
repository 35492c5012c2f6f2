"""Only drip_plugin and what it needs to run; see tests/test_layout.py."""
SECRET_KEY = "tests-only-not-secret"
USE_TZ = True
ROOT_URLCONF = "tests.core_only.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "wagtail.snippets",
    "wagtail.users",
    "wagtail.images",
    "wagtail.documents",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_celery_beat",
    "anymail",
    "drip_plugin",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
STATIC_URL = "/static/"
DRIP_PLUGIN = {"SITE_URL": "http://testserver"}
