"""Storing and removing browsers' subscriptions, from what a page posts:
the browser's PushSubscription JSON and the opt-in's wording."""
from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.db import transaction

from ...conf import drip_settings
from ...models import Consent, Contact
from .models import PushSubscription
from .vapid import b64url_decode

logger = logging.getLogger("drip_plugin.push")
PUSH = "push"  # Consent.channel and Message.channel (channel.py's name)
# A contact's browsers; past this many, the oldest subscription gives way.
MAX_BROWSERS_PER_OWNER = 10


class InvalidSubscription(ValueError):
    """What a page posted is not a usable subscription; the message says why."""


@dataclass(frozen=True)
class BrowserSubscription:
    endpoint: str
    p256dh: str
    auth: str


def parse_subscription(data: object) -> BrowserSubscription:
    """The browser's `PushSubscription.toJSON()`, checked: an endpoint on an
    allowed push service (PUSH_SERVICE_ORIGINS), a P-256 public key, a
    16-byte auth secret."""
    if not isinstance(data, dict):
        raise InvalidSubscription("subscription must be an object")
    endpoint, keys = data.get("endpoint"), data.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, dict):
        raise InvalidSubscription("subscription needs an endpoint and keys")
    if len(endpoint) > PushSubscription._meta.get_field("endpoint").max_length:
        raise InvalidSubscription("endpoint too long")
    parts = urlsplit(endpoint)
    origin = f"{parts.scheme}://{parts.netloc}"
    if not parts.hostname or not any(fnmatch.fnmatchcase(origin.lower(), pattern.lower())
                                     for pattern in drip_settings.PUSH_SERVICE_ORIGINS):
        raise InvalidSubscription(f"endpoint {origin} is not an allowed push service (PUSH_SERVICE_ORIGINS)")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(p256dh))
        auth_bytes = b64url_decode(auth)
    except (ValueError, TypeError):
        raise InvalidSubscription("keys.p256dh must be a P-256 public key and keys.auth base64url") from None
    if len(auth_bytes) != 16:
        raise InvalidSubscription("keys.auth must be 16 bytes")
    return BrowserSubscription(endpoint=endpoint, p256dh=p256dh.rstrip("="), auth=auth.rstrip("="))


def subscribe(browser: BrowserSubscription, *, contact: Contact | None = None, user=None, user_agent: str = "",
              source: str = "", text_shown: str = "") -> PushSubscription:
    """Store the subscription for `contact` (or an editor `user`), with the
    opt-in's proof (when, where, the words shown), also recorded as the
    contact's push Consent. The same endpoint again moves to its new owner."""
    with transaction.atomic():
        PushSubscription.objects.filter(endpoint=browser.endpoint).delete()
        subscription = PushSubscription.objects.create(
            contact=contact, user=user, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth,
            user_agent=user_agent[:300], consent_source=source[:100], consent_text=text_shown)
        owned = PushSubscription.objects.filter(contact=contact, user=user).order_by("-created_at", "-pk")
        PushSubscription.objects.filter(pk__in=list(owned.values_list("pk", flat=True)[MAX_BROWSERS_PER_OWNER:])).delete()
        if contact is not None:
            Consent.objects.create(contact=contact, channel=PUSH, granted=True, source=source[:100],
                                   text_shown=text_shown)
    logger.info("push subscription %s stored for %s", subscription.pk,
                f"contact {contact.pk}" if contact else f"editor {user.pk}")
    return subscription


def unsubscribe(endpoint: str) -> bool:
    """Remove the subscription with this endpoint (knowing it is the proof
    of being that browser)."""
    subscription = PushSubscription.objects.filter(endpoint=endpoint).select_related("contact").first()
    if subscription is None:
        return False
    withdraw([subscription], "browser unsubscribed")
    return True


def withdraw(subscriptions: list[PushSubscription], source: str) -> None:
    """Delete these subscriptions (their browsers get no more notifications)
    and record each contact's withdrawal of push consent."""
    with transaction.atomic():
        PushSubscription.objects.filter(pk__in=[s.pk for s in subscriptions]).delete()
        Consent.objects.bulk_create(Consent(contact_id=contact_id, channel=PUSH, granted=False, source=source)
                                    for contact_id in sorted({s.contact_id for s in subscriptions if s.contact_id}))
    logger.info("push subscriptions %s removed: %s", [s.pk for s in subscriptions], source)
