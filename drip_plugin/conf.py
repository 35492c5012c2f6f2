"""All drip_plugin settings, read in one place.

The host configures the plugin with one dict in its Django settings::

    DRIP_PLUGIN = {"FROM_EMAIL": "Shop <hello@shop.example>", "TICK_INTERVAL": 30}

Every key is optional; ``DEFAULTS`` documents each one. Code reads settings
through ``drip_settings.NAME`` so overrides in tests (``override_settings``)
take effect at once.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

DEFAULTS: dict[str, Any] = {
    # Sender of every drip email. None falls back to DEFAULT_FROM_EMAIL.
    "FROM_EMAIL": None,
    # Time zone used for contacts that have none (send windows, birthdays).
    "DEFAULT_TIME_ZONE": "UTC",
    # Seconds between two celery-beat ticks (registered after migrate).
    "TICK_INTERVAL": 60,
    # How many due enrollments / messages one tick claims per round.
    "BATCH_SIZE": 500,
    # Dotted path of the email backend drip mail goes through; None uses
    # Django's EMAIL_BACKEND (usually an anymail backend).
    "EMAIL_BACKEND": None,
    # The channels steps can send on (drip_plugin.channels), one class path
    # each; a step's kind picks its channel. A host's own channel is added here.
    "CHANNELS": [
        "drip_plugin.channels.email.EmailChannel",
        "drip_plugin.channels.sms.channel.SmsChannel",
        "drip_plugin.channels.push.channel.PushChannel",
    ],
    # SMS (docs/sms.md), through Twilio: the account's SID and auth token
    # (the token also verifies Twilio's callbacks); TWILIO_API_URL replaces
    # Twilio's API base URL (a local fake in tests); seconds to wait for it.
    "TWILIO_ACCOUNT_SID": None,
    "TWILIO_AUTH_TOKEN": None,
    "TWILIO_API_URL": None,
    "TWILIO_TIMEOUT": 10,
    # Sender of SMS per destination country (ISO code, "" for any other): a
    # Twilio number, an alphanumeric sender ID or a Messaging Service SID (MG…).
    "SMS_SENDERS": {},
    # No SMS leaves between these local times (contact's time zone); a due
    # SMS waits for the end. None: no quiet hours.
    "SMS_QUIET_HOURS": ("21:00", "08:00"),
    # Cap on marketing SMS per contact, e.g. {"count": 1, "days": 2}; None: none
    # (sequences' own caps count each channel apart).
    "SMS_FREQUENCY_CAP": None,
    # Double opt-in: a contact granting SMS consent is sent
    # SMS_CONFIRMATION_TEXT and gets marketing SMS only once they reply YES
    # (then SMS_CONFIRMED_TEXT).
    "SMS_DOUBLE_OPT_IN": False,
    "SMS_CONFIRMATION_TEXT": "Reply YES to get our offers by SMS. Msg&data rates may apply. Reply STOP to opt out.",
    "SMS_CONFIRMED_TEXT": "Thank you: you will get our offers by SMS. Reply STOP to opt out, HELP for help.",
    # The answer to a HELP (INFO, AIDE) reply.
    "SMS_HELP_TEXT": "Our shop's offers by SMS. Reply STOP to opt out. Msg&data rates may apply.",
    # Emit `signed_up` when a django.contrib.auth user is created.
    "AUTH_SIGNUP_EVENT": "signed_up",
    "CONNECT_AUTH_SIGNALS": True,
    # Register the periodic tick in django-celery-beat after `migrate`.
    "REGISTER_BEAT_SCHEDULE": True,
    # Global frequency cap on marketing emails per contact, e.g.
    # {"count": 2, "days": 7}; None: no global cap. Transactional sequences
    # are exempt; sequences may add their own cap.
    "FREQUENCY_CAP": None,
    # Delivery: attempts before a transient failure (ESP 5xx, timeout,
    # connection error) becomes final; first retry after RETRY_BASE_SECONDS,
    # doubling each time, with ±25 % jitter.
    "MAX_ATTEMPTS": 5,
    "RETRY_BASE_SECONDS": 60,
    # How long a sender holds claimed messages before others may reclaim them.
    "LEASE_SECONDS": 300,
    # Messages per second through the email backend (None: no limit).
    "RATE_LIMIT": None,
    # Sends in flight at once per sender, each on its own backend connection:
    # while one waits for the SMTP server or the ESP, the next is rendered.
    "SEND_CONNECTIONS": 4,
    # Messages per call to an ESP that takes many distinct messages in one
    # call (Postmark's /email/batch; capped at the ESP's maximum, 500). Several
    # calls per claimed round (BATCH_SIZE) let rendering go on while a call
    # waits. 1: one call per message, as anymail sends them.
    "ESP_BATCH_SIZE": 100,
    # True: the tick claims due messages (BATCH_SIZE per claim) and queues one
    # Celery task per claim (drip_plugin.tasks.send_batch), so sending grows
    # with worker processes; each task sends over SEND_CONNECTIONS
    # connections. False: the tick sends them itself.
    "SEND_IN_WORKERS": False,
    # At most this many claims queued per tick (SEND_IN_WORKERS): a backlog
    # goes out over several ticks instead of leases running out in the queue.
    "WORKER_BATCHES_PER_TICK": 100,
    # More soft-bounced messages in a row (each message counted once, however
    # often the ESP retried it) than this suppress the address.
    "SOFT_BOUNCE_LIMIT": 7,
    # Secret that keys the hashes of suppressed and erased addresses. Never
    # change it (they would no longer match); SECRET_KEY can then be rotated.
    # None: SECRET_KEY, as before this setting existed (check W060 warns).
    "SUPPRESSION_HASH_KEY": None,
    # Sender identity printed in marketing emails' footers (CAN-SPAM, Gmail
    # and Yahoo bulk-sender rules); templates see it as {{ sender.postal_address }}.
    "POSTAL_ADDRESS": None,
    # Our own open pixel and click redirects (False: no tracking, for
    # privacy; ESP tracking through anymail still works if the ESP does it).
    "TRACKING": True,
    # Honest counts (analytics/honesty.py): an open of our pixel from these
    # networks is a mail privacy proxy's prefetch (Apple Mail Privacy
    # Protection: Apple's 17.0.0.0/8), and a click sooner than this many
    # seconds after the send is a link scanner's; both are left out of rates.
    "PREFETCH_NETWORKS": ["17.0.0.0/8"],
    "SCANNER_CLICK_SECONDS": 10,
    # Optional mailto: address for List-Unsubscribe, next to the HTTPS link.
    "UNSUBSCRIBE_MAILTO": None,
    # Absolute origin used to build links in emails (unsubscribe, tracking).
    "SITE_URL": "http://127.0.0.1:8000",
    # Host signals / model saves mapped to events, each
    # {"model": "app.Model" or "signal": "dotted.path", "mapper": "dotted.path"};
    # see drip_plugin.integrations.signals.
    "EVENT_MAPPINGS": [],
    # Dotted path of the host's `handler(request, checkout_id) -> HttpResponse`
    # that restores a cart from the signed link in cart emails (templates see
    # the link as {{ cart.restore_url }}); links expire after the max age.
    "CART_RESTORE_HANDLER": None,
    "CART_RESTORE_MAX_AGE_DAYS": 30,
    # Saleor App (drip_plugin.contrib.saleor): the Saleor API URLs (e.g. "https://shop.saleor.cloud/graphql/")
    # allowed to install the app; anything else is refused with 403.
    "SALEOR_ALLOWED_API_URLS": [],
    "SALEOR_APP_ID": "drip-plugin",
    "SALEOR_APP_NAME": "Drip campaigns",
    # Seconds to wait for Saleor (token check, JWKS).
    "SALEOR_TIMEOUT": 10,
    # Seconds Saleor's signing keys (JWKS) are trusted before a webhook
    # refetches them: a key Saleor withdrew is refused after at most this long.
    # Shorter means more fetches (at most one a minute per installation).
    "SALEOR_JWKS_MAX_AGE": 300,
    # Keys (any long random strings) that encrypt secrets at rest, such as
    # the Saleor app token; newest first: the first encrypts, any decrypts
    # (key rotation). Empty: a key derived from SECRET_KEY, for development
    # only (check drip_saleor.E001 refuses it when DEBUG is off).
    "ENCRYPTION_KEYS": [],
    # A rendered email (subject, HTML and text together) larger than this many
    # bytes is not sent: that one message fails with the reason logged, the
    # batch goes on; preview and test send show the error. A template loop
    # stops as soon as it has written this much.
    "MAX_RENDERED_BYTES": 1024 * 1024,
    # Larger webhook bodies are refused with 413 before they are read.
    "WEBHOOK_MAX_BYTES": 1024 * 1024,
    # Local time ("HH:MM", contact's time zone) at which date events (birthday,
    # date rules, renewal reminders) are emitted on their day.
    "DATE_EVENTS_TIME": "09:00",
    # Emit `winback_due` this many days after a contact's last order_completed;
    # None turns win-back off.
    "WINBACK_DAYS": 90,
    # Link texts the email checks flag as meaningless out of context (screen
    # readers list links alone); compared without case and punctuation.
    "LINK_TEXT_TO_AVOID": ["click here", "here", "read more", "more", "link", "this link", "learn more",
                           "cliquez ici", "ici", "lire la suite", "en savoir plus", "plus", "ce lien"],
    # Emit `renewal_due` this many days before the (local) day of a
    # Subscription's renews_at, at DATE_EVENTS_TIME.
    "RENEWAL_REMINDER_DAYS": [14, 3, 1],
    # Web fonts emails may load, font name → stylesheet URL, e.g.
    # {"Lato": "https://fonts.googleapis.com/css?family=Lato:400,700"}: an
    # email whose font-family (the layout's font family, or mj-attributes in
    # raw MJML) names one of them loads it. Empty: no web font unless raw MJML
    # asks with <mj-font>; emails use the layout's system font stack.
    "WEB_FONTS": {},
    # Bearer token of the Prometheus endpoint (<drip urls>/metrics/); None:
    # the endpoint is off (404). Scrapers send "Authorization: Bearer <token>".
    "METRICS_TOKEN": None,
    # Retention (manage.py drip_prune, and a daily periodic task): tracked
    # events older than this many days are deleted, and ESP/tracking events
    # too but for each message's first of each kind; None keeps them for
    # ever. Every report reads the same after (see retention.py).
    "RETAIN_EVENTS_DAYS": None,
    "RETAIN_MESSAGE_EVENTS_DAYS": None,
    # Finished messages and journeys older than this many days lose the
    # details no report reads (subject, ESP message id; cart/order key, exit
    # reason text); None keeps them.
    "RETAIN_DETAILS_DAYS": None,
    # A sequence's goal event counts for journeys begun at most this many days before it.
    "GOAL_WINDOW_DAYS": 30,
    "IMPORT_STALLED_MINUTES": 15,
    "IMPORT_UPLOAD_HOURS": 24,
    # Most segments one SMS may cost (each is billed): the editor warns as the
    # text grows past it, and saving a longer SMS is refused.
    "SMS_MAX_SEGMENTS": 3,
    # "Best time" steps (send-time optimisation): each open or click loses half
    # its weight in a contact's (and everyone's) hours after this many days,
    # so a changed habit takes over.
    "SEND_TIME_HALF_LIFE_DAYS": 30,
    # A contact's own best hour is used once their opens and clicks weigh this
    # much (decayed: one from a half-life ago weighs 0.5); below, the hour of
    # the whole population (once it weighs this much), else the send windows.
    "SEND_TIME_MIN_EVENTS": 5,
    # Recommendations (drip_plugin.recommendations): each tick learns at most
    # this many new product events (views, carts, orders), oldest first.
    "RECOMMENDATIONS_LEARN_BATCH": 10_000,
    # Events are learned once received this many seconds ago: an event whose
    # transaction commits late (a lower id showing up after a higher one) is
    # not skipped by the learner's cursor.
    "RECOMMENDATIONS_SETTLE_SECONDS": 30,
    # Best sellers: a unit sold counts half as much after this many days.
    "BEST_SELLERS_HALF_LIFE_DAYS": 14,
    # Web push (docs/push.md). True serves the subscribe endpoints and the
    # service worker; the VAPID key pair (`manage.py drip_push_keys` makes
    # one: base64url, the public key as the browser takes it, the private one
    # raw) and the subject, a "mailto:" or "https:" contact for push services,
    # are then required (check E110).
    "PUSH_ENABLED": False,
    "PUSH_VAPID_PUBLIC_KEY": None,
    "PUSH_VAPID_PRIVATE_KEY": None,
    "PUSH_VAPID_SUBJECT": None,
    # Push services a subscription's endpoint may name ("scheme://host[:port]",
    # fnmatch patterns): the server POSTs to that URL, so a browser must not
    # be able to point it anywhere else.
    "PUSH_SERVICE_ORIGINS": ["https://fcm.googleapis.com", "https://updates.push.services.mozilla.com",
                             "https://*.push.apple.com", "https://*.notify.windows.com"],
    # Dotted path of `resolver(request) -> Contact | None`: whose browser is
    # subscribing. The default is the logged-in user's contact.
    "PUSH_CONTACT_RESOLVER": "drip_plugin.channels.push.contacts.logged_in_contact",
    # How long a push service keeps a notification for a browser that is offline.
    "PUSH_TTL_SECONDS": 24 * 3600,
    # Seconds to wait for the push service's answer.
    "PUSH_TIMEOUT": 10,
    # The path the service worker may control (its Service-Worker-Allowed
    # header): "/" lets the shop's every page receive notifications.
    "PUSH_SERVICE_WORKER_SCOPE": "/",
    # No notification shows between these local times (contact's time zone);
    # a due one waits for the end. None: no quiet hours.
    "PUSH_QUIET_HOURS": ("21:00", "08:00"),
    # Cap on marketing notifications per contact, e.g. {"count": 1, "days": 1};
    # None: none (sequences' own caps count each channel apart).
    "PUSH_FREQUENCY_CAP": None,
}


class DripSettings:
    """Attribute access to ``settings.DRIP_PLUGIN`` merged over ``DEFAULTS``."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] | None = None

    def _merged(self) -> dict[str, Any]:
        if self._cache is None:
            self._cache = {**DEFAULTS, **self._user()}
        return self._cache

    @staticmethod
    def _user() -> dict[str, Any]:
        # Anything but a dict is reported by check E001; meanwhile the defaults
        # hold, so that the app still loads and the check gets to run.
        user = getattr(settings, "DRIP_PLUGIN", None)
        return user if isinstance(user, dict) else {}

    def user_keys(self) -> set[str]:
        return set(self._user())

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in DEFAULTS:
            raise AttributeError(f"Unknown drip_plugin setting {name!r}")
        return self._merged()[name]

    @property
    def from_email(self) -> str:
        return self.FROM_EMAIL or settings.DEFAULT_FROM_EMAIL

    def reload(self) -> None:
        self._cache = None


drip_settings = DripSettings()


def _reload(*, setting: str, **kwargs: Any) -> None:
    if setting == "DRIP_PLUGIN":
        drip_settings.reload()


setting_changed.connect(_reload)
