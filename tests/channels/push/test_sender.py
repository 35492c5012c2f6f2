"""pywebpush against the local push service: what the browser decrypts,
expired subscriptions, errors worth a retry, the 4 KB limit."""
from __future__ import annotations

import pytest

from drip_plugin.channels.push.content import MAX_PAYLOAD_BYTES, PushPayload
from drip_plugin.channels.push.models import PushSubscription
from drip_plugin.channels.push.sender import PushServiceRefused, SubscriptionGone, push_to_each
from drip_plugin.channels.push.subscriptions import parse_subscription, subscribe
from drip_plugin.models import Contact

pytestmark = pytest.mark.django_db


def stored(browser, contact) -> PushSubscription:
    return subscribe(parse_subscription(browser.subscription_json()), contact=contact, source="test",
                     text_shown="Tell me when my cart is waiting")


@pytest.fixture
def contact():
    return Contact.objects.create(email="ada@example.com", first_name="Ada")


def test_browser_decrypts_the_payload_signed_with_the_shops_vapid_key(push_service, contact):
    browser = push_service.new_browser()
    subscription = stored(browser, contact)
    payload = PushPayload(title="Ada, your cart", body="2 items — €68", url="https://shop.test/cart/", icon="")

    (location,) = push_to_each([subscription], payload.encoded())

    (push,) = push_service.received
    assert location == push.location
    assert push.payload == {"title": "Ada, your cart", "body": "2 items — €68", "url": "https://shop.test/cart/",
                            "icon": ""}
    assert push.claims["sub"] == "mailto:ops@shop.test" and push.claims["aud"] == push_service.url
    assert int(push.headers["ttl"]) == 24 * 3600
    subscription.refresh_from_db()
    assert subscription.last_success_at is not None


@pytest.mark.parametrize("status", [404, 410])
def test_an_expired_subscription_is_removed(push_service, contact, status):
    gone, alive = push_service.new_browser(), push_service.new_browser()
    gone.status = status
    subscriptions = [stored(gone, contact), stored(alive, contact)]

    assert len(push_to_each(subscriptions, PushPayload("Hi", "", "", "").encoded())) == 1

    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [alive.endpoint]
    with pytest.raises(SubscriptionGone):
        push_to_each([stored(gone, contact)], PushPayload("Hi", "", "", "").encoded())
    assert not PushSubscription.objects.filter(endpoint=gone.endpoint).exists()


def test_a_push_service_error_is_raised_with_its_status(push_service, contact):
    browser = push_service.new_browser()
    browser.status = 503
    with pytest.raises(PushServiceRefused) as refused:
        push_to_each([stored(browser, contact)], PushPayload("Hi", "", "", "").encoded())
    assert refused.value.status_code == 503 and refused.value.transient
    assert PushSubscription.objects.filter(endpoint=browser.endpoint).exists()  # kept: the service may recover


def test_a_payload_at_the_limit_fits_in_one_push_message(push_service, contact):
    browser = push_service.new_browser()
    overhead = len(PushPayload("T", "", "", "").encoded())
    payload = PushPayload("T", "é" * ((MAX_PAYLOAD_BYTES - overhead) // 2) + "x" * ((MAX_PAYLOAD_BYTES - overhead) % 2),
                          "", "")
    assert len(payload.encoded()) == MAX_PAYLOAD_BYTES

    push_to_each([stored(browser, contact)], payload.encoded())

    (push,) = push_service.received
    assert push.encrypted_size == 4096 and push.payload["body"] == payload.body


def test_a_payload_one_byte_over_is_refused_by_the_push_service(push_service, contact):
    """Why the limit is where it is: one more byte and the push service answers 413."""
    browser = push_service.new_browser()
    with pytest.raises(PushServiceRefused) as refused:
        push_to_each([stored(browser, contact)], b'"' + b"x" * (MAX_PAYLOAD_BYTES - 1) + b'"')
    assert refused.value.status_code == 413 and not refused.value.transient
