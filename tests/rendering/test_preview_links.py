"""Issue 17: "Preview links use SITE_URL, as sent mail does" — and lead to a
page that changes nothing."""
from __future__ import annotations

from drip_plugin.models import Email
from drip_plugin.rendering.preview import preview_context

from .test_validation import GOOD

FOOTER = GOOD.replace("Hi {{ contact.first_name }}", '<a href="{{ links.unsubscribe }}">Unsubscribe</a>')


def test_preview_links_are_on_site_url_and_lead_to_the_test_page(db, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SITE_URL": "https://shop.example.org"}
    html = preview_context(Email(name="x", subject="Hi", mjml=FOOTER), "desktop")["email"].html
    assert 'href="https://shop.example.org/drip/test-link/"' in html
