"""Issue 5: cart snapshot and the signed restore-cart link."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core import mail

from drip_plugin import track
from drip_plugin.ingest.cart import Cart, CartLine
from drip_plugin.scheduling import tick
from tests.factories import build_sequence

CART_MJML = """<mjml><mj-body><mj-section><mj-column>
{% for line in cart.lines %}<mj-text>{{ line.quantity }} × {{ line.name }} ({{ line.sku }}) {{ line.unit_price }}</mj-text>
<mj-image src="{{ line.image_url }}" href="{{ line.product_url }}" />{% endfor %}
<mj-text>Total {{ cart.total }} {{ cart.currency }}</mj-text>
<mj-button href="{{ cart.restore_url }}">Back to your cart</mj-button>
</mj-column></mj-section></mj-body></mjml>"""


def snapshot() -> Cart:
    return Cart(checkout_id="chk-9", currency="EUR", subtotal=Decimal("68"), total=Decimal("68.00"), lines=[
        CartLine("Linen shirt", 1, Decimal("49.00"), Decimal("49.00"), sku="LS-01",
                 image_url="https://cdn.shop.test/ls.png", product_url="https://shop.test/p/ls"),
        CartLine("Canvas tote", 1, "19.00", "19.00", sku="CT-02"),
    ])


def test_cart_snapshot_is_a_valid_checkout_event_with_lines_totals_and_currency(db):
    event = track("checkout_updated", email="c@example.com", properties=snapshot().as_properties())
    cart = event.properties["cart"]
    assert (event.properties["checkout_id"], cart["currency"], cart["total"], cart["subtotal"]) == (
        "chk-9", "EUR", "68.00", "68")
    assert cart["lines"][0] == {"name": "Linen shirt", "quantity": 1, "unit_price": "49.00", "total": "49.00",
                                "sku": "LS-01", "image_url": "https://cdn.shop.test/ls.png",
                                "product_url": "https://shop.test/p/ls"}
    assert cart["lines"][1] == {"name": "Canvas tote", "quantity": 1, "unit_price": "19.00", "total": "19.00",
                                "sku": "CT-02"}


def test_cart_restore_link_is_signed_and_resolved_by_the_host_handler(db, clock, client):
    build_sequence(trigger="checkout_updated", steps=[(1, "hours", "Your cart")], mjml=CART_MJML)
    track("checkout_updated", email="c@example.com", properties=snapshot().as_properties())
    clock.shift(dt.timedelta(hours=1))
    tick()
    html = mail.outbox[0].alternatives[0][0]
    assert "1 × Linen shirt (LS-01) 49.00" in html and "Total 68.00 EUR" in html
    restore = follow_to_restore_link(client, html)
    response = client.get(restore)
    assert (response.status_code, response["Location"]) == (302, "https://shop.test/cart/chk-9/")
    tampered = restore.rstrip("/")[:-2] + "xx/"
    assert client.get(tampered).status_code == 400
    clock.shift(dt.timedelta(days=31))
    assert client.get(restore).status_code == 410, "cart links expire after CART_RESTORE_MAX_AGE_DAYS"


def follow_to_restore_link(client, html: str) -> str:
    """The button goes through click tracking; its redirect is the restore link."""
    button = re.search(r'href="http://testserver(/drip/c/[^"]+)"[^>]*>(?:(?!</a>).)*Back to your cart', html, re.S)
    location = client.get(button.group(1))["Location"]
    assert location.startswith("http://testserver/drip/cart/")
    return location.removeprefix("http://testserver")


def test_cart_restore_link_without_a_host_handler_says_so(db, client, settings, caplog):
    from drip_plugin.links.routes import cart_restore_url

    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "CART_RESTORE_HANDLER": None}
    response = client.get(cart_restore_url("chk-1").removeprefix("http://testserver"))
    assert response.status_code == 404 and b"cannot be restored" in response.content
    assert "CART_RESTORE_HANDLER" in caplog.text
