"""Absolute and signed links that templates see."""
from __future__ import annotations

import functools
from collections.abc import Callable

from django.core import signing
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from ..conf import drip_settings

CART_SALT = "drip_plugin.cart"
_TOKEN = "__drip_token__"


def absolute(path: str) -> str:
    return drip_settings.SITE_URL.rstrip("/") + path


@functools.lru_cache(maxsize=64)
def _route(name: str, urlconf: str | None, script_prefix: str, language: str | None) -> str:
    return reverse(name, urlconf=urlconf, args=[_TOKEN])


@receiver(setting_changed)
def _forget_routes(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _route.cache_clear()


def token_urls(name: str) -> Callable[[str], str]:
    """token -> the absolute URL of route `name` for that signed token:
    reverse(name, args=[token]), reversed once per route (every email has
    several links) and looked up once for all of one email's links."""
    # Keyed by all reverse() depends on: the URLconf, the script prefix and
    # the language (i18n_patterns prefixes).
    template = absolute(_route(name, get_urlconf(), get_script_prefix(), get_language()))
    return lambda token: template.replace(_TOKEN, token)


def test_send_links() -> dict[str, str]:
    """The links a test send's templates see: each leads to a page that says
    the email was a test and changes nothing."""
    url = absolute(reverse("drip_plugin:test_link"))
    return {"unsubscribe": url, "preferences": url, "view_in_browser": url}


def token_url(name: str, token: str) -> str:
    return token_urls(name)(token)


def cart_restore_url(checkout_id: str) -> str:
    """A signed link back to the cart; the host's CART_RESTORE_HANDLER resolves it."""
    return token_url("drip_plugin:restore_cart", signing.dumps(str(checkout_id), salt=CART_SALT))


def read_cart_token(token: str, max_age_days: int) -> str:
    """The checkout id; raises signing.BadSignature (or SignatureExpired)."""
    return signing.loads(token, salt=CART_SALT, max_age=max_age_days * 86400)
