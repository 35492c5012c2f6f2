"""Demo store settings: SQLite and a filesystem Celery broker, nothing to start."""
import dataclasses
import json
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = BASE_DIR / "var"
for folder in ("broker/queue", "broker/processed", "broker/control", "sent-emails", "media"):
    (VAR / folder).mkdir(parents=True, exist_ok=True)

SECRET_KEY = "demo-store-not-secret"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "demo_store.urls"
WSGI_APPLICATION = "demo_store.wsgi.application"
USE_TZ = True
TIME_ZONE = "UTC"
WAGTAIL_SITE_NAME = "Demo store"
WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"

INSTALLED_APPS = [
    "shop",
    "drip_plugin",
    "drip_plugin.contrib.saleor",
    "django_celery_beat",
    "anymail",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.locales",
    "wagtail.contrib.simple_translation",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The French/English switch (nav bar): the shop's pages and Wagtail's admin
    # follow the language chosen there (or the browser's).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
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
# SQLite shared by the web server and the Celery worker: IMMEDIATE
# transactions + WAL avoid "database is locked" (shared/STACK_NOTES.md).
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR / "demo.sqlite3",
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        },
    }
}
STATIC_URL = "/static/"
STATIC_ROOT = VAR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Celery: embedded filesystem broker, beat schedule kept in the database.
CELERY_BROKER_URL = "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(VAR / "broker/queue"),
    "data_folder_out": str(VAR / "broker/queue"),
    "data_folder_processed": str(VAR / "broker/processed"),
    "control_folder": str(VAR / "broker/control"),
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_IGNORE_RESULT = True

# Emails are written as .eml files so you can read them: example_site/var/sent-emails/,
# listed at /outbox/ (shop/outbox.py).
EMAIL_BACKEND = "shop.outbox.EmlEmailBackend"
EMAIL_FILE_PATH = VAR / "sent-emails"
DEFAULT_FROM_EMAIL = "Demo Store <hello@demo-store.example>"



def demo_vapid_keys(path: Path) -> dict:
    """The demo's web push key pair, made on the first start and kept in var/
    (a new pair would make every browser subscribe again)."""
    if not path.exists():
        from drip_plugin.channels.push.vapid import generate_keys

        path.write_text(json.dumps(dataclasses.asdict(generate_keys())))
    return json.loads(path.read_text())


VAPID_KEYS = demo_vapid_keys(VAR / "vapid-keys.json")

DRIP_PLUGIN = {
    "TICK_INTERVAL": 10,
    "SITE_URL": "http://127.0.0.1:8000",
    "POSTAL_ADDRESS": "Demo Store, 12 Rue de l'Exemple, 75011 Paris, France",
    # The shop's own cart and orders, mapped to drip events (shop/drip.py).
    "EVENT_MAPPINGS": [
        {"model": "shop.Cart", "mapper": "shop.drip.cart_event"},
        {"model": "shop.Order", "mapper": "shop.drip.order_event"},
    ],
    "CART_RESTORE_HANDLER": "shop.drip.restore_cart",
    # Keys the hashes of suppressed/erased addresses; the demo's SECRET_KEY, so
    # that a demo database from before this setting keeps its suppressions.
    "SUPPRESSION_HASH_KEY": "demo-store-not-secret",
    # Web push (docs/push.md): the cart page's "Notify me" button; the cart's
    # shopper is whose browser subscribes (shop.drip.push_contact).
    "PUSH_ENABLED": True,
    "PUSH_VAPID_PUBLIC_KEY": VAPID_KEYS["public_key"],
    "PUSH_VAPID_PRIVATE_KEY": VAPID_KEYS["private_key"],
    "PUSH_VAPID_SUBJECT": "mailto:hello@demo-store.example",
    "PUSH_CONTACT_RESOLVER": "shop.drip.push_contact",
    "PUSH_QUIET_HOURS": None,  # the demo notifies at any hour
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"drip_plugin": {"handlers": ["console"], "level": "INFO"}},
}

# Emails can be translated (Wagtail i18n); a contact's locale picks the translation.
LANGUAGE_CODE = "en"
WAGTAIL_I18N_ENABLED = True
LANGUAGES = WAGTAIL_CONTENT_LANGUAGES = WAGTAILADMIN_PERMITTED_LANGUAGES = [("en", "English"), ("fr", "Français")]
