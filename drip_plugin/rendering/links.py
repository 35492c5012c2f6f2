"""Absolute and signed links that templates see."""
from __future__ import annotations

from django.core import signing
from django.urls import reverse

from ..conf import drip_settings

CART_SALT = "drip_plugin.cart"


def absolute(path: str) -> str:
    return drip_settings.SITE_URL.rstrip("/") + path


def cart_restore_url(checkout_id: str) -> str:
    """A signed link back to the cart; the host's CART_RESTORE_HANDLER resolves it."""
    token = signing.dumps(str(checkout_id), salt=CART_SALT, compress=True)
    return absolute(reverse("drip_plugin:restore_cart", args=[token]))


def read_cart_token(token: str, max_age_days: int) -> str:
    """The checkout id; raises signing.BadSignature (or SignatureExpired)."""
    return signing.loads(token, salt=CART_SALT, max_age=max_age_days * 86400)
