"""Signed links in emails: unsubscribe / preferences, view in browser."""
from __future__ import annotations

from django.core import signing

from ..models import Message
from ..rendering.links import token_url

UNSUBSCRIBE_SALT = "drip_plugin.unsubscribe"
VIEW_SALT = "drip_plugin.view"


def unsubscribe_token(message: Message) -> str:
    # Not compressed: zlib would cost more than it saves on two ids.
    return signing.dumps({"c": message.enrollment.contact_id, "m": message.pk}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> dict:
    """The signed payload; raises signing.BadSignature when tampered with."""
    return signing.loads(token, salt=UNSUBSCRIBE_SALT)


def read_view_token(token: str) -> str:
    """The Message.token (a UUID: never reused, unlike an id) of a web-version
    link; raises signing.BadSignature when tampered with."""
    return signing.loads(token, salt=VIEW_SALT)


def message_links(message: Message) -> dict[str, str]:
    url = token_url("drip_plugin:unsubscribe", unsubscribe_token(message))
    return {"unsubscribe": url, "preferences": url,
            "view_in_browser": token_url("drip_plugin:view", signing.dumps(str(message.token), salt=VIEW_SALT))}

