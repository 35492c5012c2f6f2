"""Signed links are built from routes reversed once (links/routes.py)."""
from __future__ import annotations

from django.test import override_settings
from django.urls import reverse, set_script_prefix

from drip_plugin.links.routes import absolute, token_url

TOKEN = "eyJjIjoxLCJtIjoyfQ:1tAbCd:signature-part_0123"


def test_token_url_equals_reverse_for_every_signed_route():
    for name in ("drip_plugin:unsubscribe", "drip_plugin:click", "drip_plugin:open", "drip_plugin:restore_cart"):
        assert token_url(name, TOKEN) == absolute(reverse(name, args=[TOKEN]))


def test_token_url_follows_a_changed_urlconf_and_script_prefix():
    before = token_url("drip_plugin:unsubscribe", TOKEN)
    with override_settings(ROOT_URLCONF="tests.rendering.links_urls"):
        assert token_url("drip_plugin:unsubscribe", TOKEN) == absolute(f"/elsewhere/{TOKEN}/")
    assert token_url("drip_plugin:unsubscribe", TOKEN) == before
    set_script_prefix("/shop/")
    try:
        assert token_url("drip_plugin:unsubscribe", TOKEN) == absolute(reverse("drip_plugin:unsubscribe", args=[TOKEN]))
        assert "/shop/" in token_url("drip_plugin:unsubscribe", TOKEN)
    finally:
        set_script_prefix("/")
