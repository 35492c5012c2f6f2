"""Test settings. DRIP_TEST_DB=postgres selects PostgreSQL + the Redis broker."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "tests-only-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "tests.urls"
WAGTAIL_SITE_NAME = "drip tests"
WAGTAILADMIN_BASE_URL = "http://testserver"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "wagtail.snippets",
    "wagtail.locales",
    "wagtail.contrib.simple_translation",
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
    "drip_plugin.contrib.saleor",
    "tests.toyshop",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Public pages a contact reaches without a message (invalid link, cart) speak their browser's language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
STATIC_URL = "/static/"
MEDIA_ROOT = BASE_DIR / ".media"

if os.environ.get("DRIP_TEST_DB") == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "NAME": "test",
            "USER": os.environ.get("PGUSER", "postgres"),
            # Lets two checkouts test on one server side by side.
            "TEST": {"NAME": os.environ.get("DRIP_TEST_PG_NAME", "test_drip_plugin")},
        }
    }
    CELERY_BROKER_URL = os.environ.get("DRIP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    CELERY_BROKER_TRANSPORT = "drip_plugin.redis_broker:Transport"  # as the README says (check W080)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / ".test.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
            },
            # DRIP_TEST_SQLITE_NAME lets two runs in one checkout coexist.
            "TEST": {"NAME": str(BASE_DIR / os.environ.get("DRIP_TEST_SQLITE_NAME", ".test.sqlite3"))},
        }
    }
    CELERY_BROKER_URL = "memory://"

EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
DEFAULT_FROM_EMAIL = "Test Shop <hello@shop.test>"
# pytest-django forces the locmem EMAIL_BACKEND; drip mail goes through
# anymail's test backend instead (it also fills mail.outbox).
DRIP_PLUGIN = {
    "SITE_URL": "http://testserver",
    "EMAIL_BACKEND": "anymail.backends.test.EmailBackend",
    "POSTAL_ADDRESS": "Test Shop, 1 Test Street, 75001 Paris",
    "ENCRYPTION_KEYS": ["tests-only-encryption-key"],
    "CART_RESTORE_HANDLER": "tests.toyshop.drip.restore_cart",
    "EVENT_MAPPINGS": [
        {"model": "toyshop.ToyOrder", "mapper": "tests.toyshop.drip.order_event"},
        {"signal": "tests.toyshop.models.cart_abandoned_by_host", "mapper": "tests.toyshop.drip.custom_signal_event"},
        {"signal": "tests.toyshop.models.cart_abandoned_by_host", "mapper": "tests.toyshop.drip.broken_mapper"},
        {"signal": "tests.toyshop.models.refund_issued_by_host", "mapper": "tests.toyshop.drip.wrong_type_mapper"},
    ],
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Emails can be translated (Wagtail i18n); a contact's locale picks the translation.
LANGUAGE_CODE = "en"
WAGTAIL_I18N_ENABLED = True
LANGUAGES = WAGTAIL_CONTENT_LANGUAGES = [("en", "English"), ("fr", "French")]
