"""Signed links in emails: unsubscribe / preferences, view in browser."""
from __future__ import annotations

from django.core import signing
from django.urls import reverse

from ..models import Message
from ..rendering.links import absolute

UNSUBSCRIBE_SALT = "drip_plugin.unsubscribe"


def unsubscribe_token(message: Message) -> str:
    return signing.dumps({"c": message.enrollment.contact_id, "m": message.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> dict:
    """The signed payload; raises signing.BadSignature when tampered with."""
    return signing.loads(token, salt=UNSUBSCRIBE_SALT)


def message_links(message: Message) -> dict[str, str]:
    token = unsubscribe_token(message)
    url = absolute(reverse("drip_plugin:unsubscribe", args=[token]))
    return {"unsubscribe": url, "preferences": url}

