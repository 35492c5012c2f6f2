"""A shop's settings as the README's install section has them, for the
installed wheel alone (no checkout on the path): SQLite, the locmem backend."""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "wheel-test-only"
DEBUG = False
USE_TZ = True
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "urls"
WAGTAIL_SITE_NAME = "Wheel shop"
WAGTAILADMIN_BASE_URL = "http://testserver"
INSTALLED_APPS = [
    "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles",
    "wagtail.snippets", "wagtail.users", "wagtail.images", "wagtail.documents", "wagtail.admin", "wagtail",
    "modelcluster", "taggit",
    "drip_plugin", "django_celery_beat", "anymail",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                       "django.contrib.auth.context_processors.auth",
                                       "django.contrib.messages.context_processors.messages"]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "shop.sqlite3"}}
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = "memory://"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
DRIP_PLUGIN = {"FROM_EMAIL": "Shop <hello@shop.example>", "POSTAL_ADDRESS": "Shop Ltd, 1 High Street, London",
               "SITE_URL": "https://shop.example", "SUPPRESSION_HASH_KEY": "wheel-test-only"}
