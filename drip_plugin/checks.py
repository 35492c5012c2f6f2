"""System checks: misconfiguration is reported at startup, with a hint."""
from __future__ import annotations

import zoneinfo
from datetime import time
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.mail import get_connection
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .conf import DEFAULTS, drip_settings
from .models.dates import MAX_OFFSET_DAYS


@register(Tags.compatibility)
def check_settings(app_configs=None, **kwargs):
    problems = []
    raw = getattr(settings, "DRIP_PLUGIN", {})
    if not isinstance(raw, dict):
        return [Error(_("DRIP_PLUGIN must be a dict."), id="drip_plugin.E001")]
    for key in sorted(set(raw) - set(DEFAULTS)):
        problems.append(
            Error(
                _("DRIP_PLUGIN has an unknown key %(key)r.") % {"key": key},
                hint=_("Known keys: %(keys)s.") % {"keys": ", ".join(sorted(DEFAULTS))},
                id="drip_plugin.E002",
            )
        )
    if not drip_settings.from_email or drip_settings.from_email == "webmaster@localhost":
        problems.append(
            Warning(
                _("Drip emails would be sent from Django's placeholder address."),
                hint=_('Set DRIP_PLUGIN["FROM_EMAIL"] or DEFAULT_FROM_EMAIL to your shop\'s sender.'),
                id="drip_plugin.W001",
            )
        )
    try:
        zoneinfo.ZoneInfo(drip_settings.DEFAULT_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        problems.append(
            Error(
                _("DRIP_PLUGIN['DEFAULT_TIME_ZONE'] = %(value)r is not a time zone.") % {"value": drip_settings.DEFAULT_TIME_ZONE},
                hint=_("Use an IANA name such as 'Europe/Paris'."),
                id="drip_plugin.E003",
            )
        )
    for key in ("TICK_INTERVAL", "BATCH_SIZE", "SEND_CONNECTIONS", "ESP_BATCH_SIZE", "WORKER_BATCHES_PER_TICK",
                "MAX_RENDERED_BYTES", "SALEOR_JWKS_MAX_AGE"):
        value = getattr(drip_settings, key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.append(
                Error(_("DRIP_PLUGIN['%(key)s'] must be a positive integer, not %(value)r.") % {"key": key, "value": value}, id="drip_plugin.E004")
            )
    if not (drip_settings.POSTAL_ADDRESS or "").strip():
        problems.append(
            Error(
                _("No postal address is configured for the footer of marketing emails."),
                hint=_('Set DRIP_PLUGIN["POSTAL_ADDRESS"] (e.g. "Shop Ltd, 1 High St, London"): anti-spam '
                       "law and Gmail/Yahoo bulk-sender rules require a sender identity."),
                id="drip_plugin.E007",
            )
        )
    backend = drip_settings.EMAIL_BACKEND or getattr(settings, "EMAIL_BACKEND", None)
    if not backend:
        problems.append(
            Error(_("No email backend is configured."), hint=_("Set EMAIL_BACKEND (e.g. an anymail backend)."), id="drip_plugin.E005")
        )
    else:
        try:
            import_string(backend)
        except ImportError as exc:
            problems.append(Error(_("Email backend %(backend)r cannot be imported: %(error)s") % {"backend": backend, "error": exc}, id="drip_plugin.E006"))
        else:
            problems += _backend_setup_problems(backend)
    problems += _frequency_cap_problems(drip_settings.FREQUENCY_CAP)
    problems += _site_url_problems(drip_settings.SITE_URL)
    if drip_settings.REGISTER_BEAT_SCHEDULE and not apps.is_installed("django_celery_beat"):
        problems.append(
            Warning(
                _("django_celery_beat is not in INSTALLED_APPS, so nothing runs the drip tick."),
                hint=_("Add 'django_celery_beat' to INSTALLED_APPS, or set REGISTER_BEAT_SCHEDULE to False "
                       "and run `manage.py drip_tick` from your own scheduler."),
                id="drip_plugin.W002",
            )
        )
    handler = drip_settings.CART_RESTORE_HANDLER
    if handler:
        try:
            import_string(handler)
        except ImportError as exc:
            problems.append(Error(
                _("DRIP_PLUGIN['CART_RESTORE_HANDLER'] %(handler)r cannot be imported: %(error)s") % {"handler": handler, "error": exc},
                hint=_("A function handler(request, checkout_id) -> HttpResponse in your shop."),
                id="drip_plugin.E051",
            ))
    return problems


def _backend_setup_problems(backend: str) -> list[Error]:
    # An anymail ESP without its API key imports fine and fails every send;
    # setting it up (no connection is opened) shows that now.
    try:
        get_connection(backend)
    except Exception as exc:  # noqa: BLE001 - whatever the backend raises is the message to show
        return [Error(
            _("Email backend %(backend)r cannot be set up: %(error)s") % {"backend": backend, "error": exc},
            hint=_("Give the backend its settings (for anymail: the ESP's API key in ANYMAIL)."),
            id="drip_plugin.E009",
        )]
    return []


def _frequency_cap_problems(cap) -> list[Error]:
    def positive(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value > 0

    if cap is None or (isinstance(cap, dict) and set(cap) == {"count", "days"}
                       and positive(cap["count"]) and positive(cap["days"])):
        return []
    return [Error(
        _("DRIP_PLUGIN['FREQUENCY_CAP'] = %(value)r is not a frequency cap.") % {"value": cap},
        hint=_('Use {"count": 2, "days": 7} (at most 2 marketing emails per contact in 7 days), or None.'),
        id="drip_plugin.E008",
    )]


def _site_url_problems(site_url) -> list:
    parts = urlsplit(site_url) if isinstance(site_url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return [Error(
            _("DRIP_PLUGIN['SITE_URL'] = %(value)r is not an absolute http(s) URL.") % {"value": site_url},
            hint=_('Links in emails (unsubscribe, tracking, carts) start with it: e.g. "https://shop.example".'),
            id="drip_plugin.E010",
        )]
    if not settings.DEBUG and parts.hostname in ("127.0.0.1", "localhost", "::1"):
        return [Warning(
            _("DRIP_PLUGIN['SITE_URL'] is %(value)r: links in emails would point to this machine.") % {"value": site_url},
            hint=_("Set SITE_URL to your shop's public origin."),
            id="drip_plugin.W003",
        )]
    return []


@register(Tags.compatibility)
def check_date_settings(app_configs=None, **kwargs):
    """DATE_EVENTS_TIME, WINBACK_DAYS and RENEWAL_REMINDER_DAYS (date triggers)."""
    problems = []
    try:
        time.fromisoformat(drip_settings.DATE_EVENTS_TIME)
    except (TypeError, ValueError):
        problems.append(
            Error(
                _("DRIP_PLUGIN['DATE_EVENTS_TIME'] = %(value)r is not a time of day.") % {"value": drip_settings.DATE_EVENTS_TIME},
                hint=_('Use "HH:MM", e.g. "09:00" (in each contact\'s time zone).'),
                id="drip_plugin.E040",
            )
        )
    winback = drip_settings.WINBACK_DAYS
    if winback is not None and (not isinstance(winback, int) or isinstance(winback, bool) or winback < 1):
        problems.append(
            Error(
                _("DRIP_PLUGIN['WINBACK_DAYS'] must be a positive integer or None, not %(value)r.") % {"value": winback},
                hint=_("None turns win-back off."),
                id="drip_plugin.E041",
            )
        )
    days = drip_settings.RENEWAL_REMINDER_DAYS
    if not isinstance(days, (list, tuple)) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_OFFSET_DAYS for d in days
    ):
        problems.append(
            Error(
                _("DRIP_PLUGIN['RENEWAL_REMINDER_DAYS'] must be a list of days before renewal, not %(value)r.") % {"value": days},
                hint=_("e.g. [14, 3, 1]; each between 0 and %(max)s; [] turns reminders off.") % {"max": MAX_OFFSET_DAYS},
                id="drip_plugin.E042",
            )
        )
    return problems


@register(Tags.compatibility)
def check_event_mappings(app_configs=None, **kwargs):
    from .integrations.signals import MappingError, load_mapping

    mappings = drip_settings.EVENT_MAPPINGS
    if not isinstance(mappings, (list, tuple)):
        return [Error(_("DRIP_PLUGIN['EVENT_MAPPINGS'] must be a list."), id="drip_plugin.E050")]
    problems = []
    for number, entry in enumerate(mappings):
        try:
            load_mapping(entry)
        except MappingError as exc:
            problems.append(Error(
                _("DRIP_PLUGIN['EVENT_MAPPINGS'][%(number)s]: %(error)s.") % {"number": number, "error": exc},
                hint=_('e.g. {"model": "shop.Order", "mapper": "shop.drip.order_event"}; this entry is not connected.'),
                id="drip_plugin.E050",
            ))
    return problems


@register(Tags.security)
def check_suppression_hash_key(app_configs=None, **kwargs):
    """Suppressed and erased addresses are kept as hashes keyed on this secret."""
    key = drip_settings.SUPPRESSION_HASH_KEY
    if key is None:
        return [Warning(
            _("DRIP_PLUGIN['SUPPRESSION_HASH_KEY'] is not set: suppressed and erased addresses are hashed "
              "with SECRET_KEY, and rotating SECRET_KEY would forget every one of them."),
            hint=_("Set SUPPRESSION_HASH_KEY to your current SECRET_KEY (the stored hashes keep matching), "
                   "keep it secret and never change it; SECRET_KEY can then be rotated."),
            id="drip_plugin.W060",
        )]
    if not isinstance(key, str) or not key.strip():
        return [Error(
            _("DRIP_PLUGIN['SUPPRESSION_HASH_KEY'] must be a non-empty string."),  # its value is a secret: not shown
            hint=_("Your current SECRET_KEY, if suppressions were stored before; else a long random secret."),
            id="drip_plugin.E060",
        )]
    return []


@register()
def check_web_fonts(app_configs=None, **kwargs):
    """WEB_FONTS maps font names to the stylesheet URLs emails load them from."""
    fonts = drip_settings.WEB_FONTS
    if isinstance(fonts, dict) and all(
        isinstance(name, str) and name.strip() and isinstance(url, str) and url.startswith("https://")
        for name, url in fonts.items()
    ):
        return []
    return [Error(
        f"DRIP_PLUGIN['WEB_FONTS'] must map font names to https:// stylesheet URLs, not {fonts!r}; "
        "meanwhile emails load no web font.",
        hint='For example {"Lato": "https://fonts.googleapis.com/css?family=Lato:400,700"}, or {} for none.',
        id="drip_plugin.E070",
    )]


REDIS_TRANSPORT = "drip_plugin.redis_broker:Transport"


@register(Tags.compatibility)
def check_celery_broker(app_configs=None, **kwargs):
    """With Redis as the broker, kombu's own transport lets a worker exit for
    good when Redis restarts (see drip_plugin.redis_broker)."""
    urls = getattr(settings, "CELERY_BROKER_URL", None) or ""
    transport = getattr(settings, "CELERY_BROKER_TRANSPORT", None)
    if transport in (REDIS_TRANSPORT, REDIS_TRANSPORT.replace(":", ".")):
        return []
    # Celery takes failover URLs as a list or separated by ";".
    if isinstance(urls, str):
        urls = urls.split(";")
    if not any(urlsplit(str(url).strip()).scheme in ("redis", "rediss") for url in urls):
        return []
    return [Warning(
        "CELERY_BROKER_URL is a Redis URL and CELERY_BROKER_TRANSPORT is not drip_plugin's Redis transport: "
        "with celery/kombu 5.7 a worker exits for good when Redis restarts while it holds tasks.",
        hint=f'Set CELERY_BROKER_TRANSPORT = "{REDIS_TRANSPORT}" (the URL stays redis://…); '
        "see 'With Redis as the broker' in the install guide.",
        id="drip_plugin.W080",
    )]
