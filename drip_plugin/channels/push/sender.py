"""Handing one notification to the push services of a contact's browsers,
with pywebpush: the payload encrypted for each browser (aes128gcm) and the
request signed with the shop's VAPID key."""
from __future__ import annotations

import logging
from collections.abc import Iterable

import requests
from django.utils import timezone
from pywebpush import WebPushException, webpush

from ...conf import drip_settings
from .models import PushSubscription
from .vapid import signer

logger = logging.getLogger("drip_plugin.push")


class SubscriptionGone(Exception):
    """The push service answered 404/410: the browser's subscription expired
    or was withdrawn; it was deleted."""


class PushServiceRefused(Exception):
    """The push service answered another error; 429 and 5xx are worth retrying."""

    def __init__(self, status: int, detail: str):
        super().__init__(f"push service answered {status}: {detail[:300]}")
        self.status_code = status

    @property
    def transient(self) -> bool:
        return self.status_code == 429 or self.status_code >= 500


def push_to(subscription: PushSubscription, payload: bytes, session: requests.Session | None = None) -> str:
    """Send `payload` to one browser; returns the push service's URL for
    the message (its Location header, RFC 8030 §5). Raises SubscriptionGone (the row is
    deleted then), PushServiceRefused, or requests' exceptions (connection
    errors and timeouts, which delivery.errors classifies)."""
    try:
        response = webpush(subscription.subscription_info(), data=payload, vapid_private_key=signer(),
                # a new dict each time: webpush() writes the audience and expiry into it
                vapid_claims={"sub": drip_settings.PUSH_VAPID_SUBJECT},
                ttl=drip_settings.PUSH_TTL_SECONDS, timeout=drip_settings.PUSH_TIMEOUT,
                headers={"Urgency": "normal"}, requests_session=session)
    except WebPushException as exc:
        status = exc.status_code
        if status is None:
            raise
        if status in (404, 410):
            PushSubscription.objects.filter(pk=subscription.pk).delete()
            logger.info("push subscription %s removed: the push service answered %s", subscription.pk, status)
            raise SubscriptionGone(f"the browser's subscription expired (push service answered {status})") from None
        raise PushServiceRefused(status, getattr(exc.response, "text", "") or "") from None
    PushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=timezone.now())
    return response.headers.get("Location", "")


def push_to_each(subscriptions: Iterable[PushSubscription], payload: bytes) -> list[str]:
    """Send `payload` to every browser of a contact; returns the push
    services' URLs of the messages, one per browser that took it.
    When none did, raises a browser's failure: SubscriptionGone only when
    every browser's subscription had expired."""
    delivered, failure = [], None
    with requests.Session() as session:
        for subscription in subscriptions:
            try:
                delivered.append(push_to(subscription, payload, session))
            except (SubscriptionGone, PushServiceRefused, requests.RequestException) as exc:
                if not isinstance(exc, SubscriptionGone) or failure is None:
                    failure = exc
    if not delivered and failure is not None:
        raise failure
    return delivered
