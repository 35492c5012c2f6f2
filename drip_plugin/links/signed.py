"""Signed links in emails: unsubscribe / preferences, view in browser, and
(instrument.py) click redirects and the open pixel."""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.core import signing
from django.utils.encoding import force_bytes

from ..models import Message
from .routes import token_urls

UNSUBSCRIBE_SALT = "drip_plugin.unsubscribe"
VIEW_SALT = "drip_plugin.view"
CLICK_SALT = "drip_plugin.click"
OPEN_SALT = "drip_plugin.open"

_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))  # what Django's JSONSerializer writes


class TokenSigner(signing.TimestampSigner):
    """`signing.dumps(payload, salt=salt)`, token for token, for signing
    many: Django derives the HMAC key and sets the HMAC up again for every
    token, this does both once (sending signs several tokens per email)."""

    def __init__(self, salt: str):
        if not salt:  # Django would fall back to a salt named after the class: not ours
            raise ValueError("TokenSigner needs a salt")
        super().__init__(salt=salt)
        # The key of salted_hmac(self.salt + "signer", value, self.key, algorithm=self.algorithm).
        key = hashlib.new(self.algorithm, force_bytes(self.salt + "signer") + force_bytes(self.key)).digest()
        self._keyed = hmac.new(key, digestmod=self.algorithm)

    def signature(self, value, key=None) -> str:
        if key is not None and key != self.key:  # unsign() trying a fallback key
            return super().signature(value, key)
        mac = self._keyed.copy()
        mac.update(force_bytes(value))
        return signing.b64_encode(mac.digest()).decode()

    def dumps(self, payload: Any) -> str:
        # Not compressed: zlib would cost more than it saves on a few ids.
        return self.sign(signing.b64_encode(_COMPACT_JSON.encode(payload).encode("latin-1")).decode())


class SignedRoute:
    """The absolute URL of one of drip's token routes for a signed payload."""

    def __init__(self, name: str, salt: str):
        self.url, self.signer = token_urls(name), TokenSigner(salt)

    def __call__(self, payload: Any) -> str:
        return self.url(self.signer.dumps(payload))


class EmailLinks:
    """The signed links of many emails (a sending batch): each route reversed
    and each signer set up once for all of them."""

    def __init__(self):
        self.unsubscribe = SignedRoute("drip_plugin:unsubscribe", UNSUBSCRIBE_SALT)
        self.view = SignedRoute("drip_plugin:view", VIEW_SALT)
        self.click = SignedRoute("drip_plugin:click", CLICK_SALT)
        self.open = SignedRoute("drip_plugin:open", OPEN_SALT)

    def for_templates(self, message: Message) -> dict[str, str]:
        """{{ links.unsubscribe }}, {{ links.preferences }}, {{ links.view_in_browser }}."""
        unsubscribe = self.unsubscribe({"c": message.enrollment.contact_id, "m": message.pk})
        # The view link carries Message.token (a UUID: never reused, unlike an id).
        return {"unsubscribe": unsubscribe, "preferences": unsubscribe,
                "view_in_browser": self.view(str(message.token))}


def read_unsubscribe_token(token: str) -> dict:
    """The signed payload; raises signing.BadSignature when tampered with."""
    return signing.loads(token, salt=UNSUBSCRIBE_SALT)


def read_view_token(token: str) -> str:
    """The Message.token of a web-version link; raises signing.BadSignature when tampered with."""
    return signing.loads(token, salt=VIEW_SALT)
