"""Issue 5: event catalogue — unknown events pass, invalid properties of known events give a clear error."""
from __future__ import annotations

import pytest

from drip_plugin import InvalidEvent, track
from drip_plugin.ingest.catalogue import EVENTS
from drip_plugin.models import Contact, Event

CART = {"checkout_id": "chk_1", "currency": "EUR", "total": "49.00",
        "lines": [{"name": "Linen shirt", "sku": "LS-01", "quantity": 1, "unit_price": "49.00",
                   "image_url": "https://cdn.shop.test/ls.png", "product_url": "https://shop.test/p/ls"}]}


def test_catalogue_names_follow_segment_in_snake_case():
    for name in ("signed_up", "checkout_started", "checkout_updated", "order_completed", "order_cancelled",
                 "subscription_started", "subscription_renewed", "subscription_cancelled", "renewal_due",
                 "product_viewed"):
        assert EVENTS[name].description


def test_catalogue_valid_cart_event_is_recorded(db):
    event = track("checkout_updated", email="c@example.com", properties={"checkout_id": "chk_1", "cart": CART})
    assert event.properties["cart"]["lines"][0]["name"] == "Linen shirt"


def test_catalogue_unknown_events_are_allowed_through_track(db):
    event = track("gift_card_bought", email="c@example.com", properties={"anything": ["goes", 1]})
    assert Event.objects.get() == event


@pytest.mark.parametrize(
    ("name", "properties", "problem"),
    [
        ("checkout_updated", {"cart": CART}, "'checkout_id' is a required property"),
        ("checkout_updated", {"checkout_id": "c", "cart": {**CART, "lines": [{"sku": "x"}]}},
         r"cart.lines\[0\]: 'name' is a required property"),
        ("checkout_updated", {"checkout_id": "c", "cart": {**CART, "total": "twelve"}},
         'cart.total: must be an amount such as "49.90"'),
        ("checkout_started", {"checkout_id": "c", "cart": {**CART, "currency": "euro"}},
         "cart.currency: must be a 3-letter currency code"),
        ("order_completed", {"order_id": "o1", "order": {"lines": "3 shirts"}}, "order.lines: must be a list"),
        ("order_completed", {"order_id": "o1", "order": {"lines": [{"name": "x", "quantity": -1}]}},
         r"order.lines\[0\].quantity: -1 is less than the minimum of 0"),
        ("product_viewed", {"product_id": 7, "url": "javascript:alert(1)"}, "url: must be an absolute http"),
        ("subscription_renewed", {"plan": "Pro"}, "needs subscription_id"),
    ],
)
def test_catalogue_invalid_properties_of_known_events_give_a_clear_error_and_write_nothing(
    db, caplog, name, properties, problem
):
    with pytest.raises(InvalidEvent, match=f"{name} properties are invalid: .*{problem}"):
        track(name, email="c@example.com", properties=properties)
    assert not Event.objects.exists() and not Contact.objects.exists()
    assert f"{name} rejected" in caplog.text
