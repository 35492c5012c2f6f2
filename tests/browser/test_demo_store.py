"""Issue 24, browser: the demo's cart email with its header and the shop's
own product images, as a screenshot artifact (and the docs' picture)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from drip_plugin.models import Contact, Email
from drip_plugin.rendering import render_email
from drip_plugin.rendering.context import merge_context

from ..example_site.conftest import EXAMPLE_SITE
from ..example_site.test_demo_store import demo_cart_properties

from shop.catalogue import PRODUCTS  # noqa: E402  (example_site/ is on the path through the conftest above)
from shop.management.commands.seed_demo import CART  # noqa: E402

pytestmark = pytest.mark.browser


def test_point5_browser_demo_cart_email_with_its_header_screenshot(page, artifacts, live_server, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SITE_URL": live_server.url}
    html = render_email(Email(subject="Your cart", mjml=CART),
                        merge_context(Contact(email="ada@example.com", first_name="Ada"),
                                      event_properties=demo_cart_properties())).html
    # The demo's runserver serves shop/static/; here the same files answer.
    static = EXAMPLE_SITE / "shop" / "static"
    page.route(f"{live_server.url}/static/shop/**",
               lambda route: route.fulfill(path=static / route.request.url.split("/static/", 1)[1]))
    page.set_content(html)
    expect(page.get_by_text("Demo Store", exact=True)).to_be_visible()
    for name, _, path in PRODUCTS.values():
        image = page.get_by_alt_text(name)
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth") == 240, path
    page.screenshot(path=artifacts / "demo-cart-email.png", full_page=True)
