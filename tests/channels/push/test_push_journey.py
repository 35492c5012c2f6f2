"""Issue 26, acceptance: web push as a step of a cart sequence, sent with
the real pywebpush to the local push service, which decrypts what the
browser would show."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from drip_plugin import track
from drip_plugin.analytics.reports import step_report
from drip_plugin.channels.push.models import PushNotification, PushSubscription
from drip_plugin.channels.push.subscriptions import parse_subscription, subscribe
from drip_plugin.models import Consent, Contact, Enrollment, Message, MessageEvent
from drip_plugin.models.sequences import StepKind
from drip_plugin.scheduling import tick
from tests.factories import build_sequence

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(push_service):
    """A contact whose browser opted in on the cart page."""
    contact = Contact.objects.create(email="cat@example.com", first_name="Cat")
    browser = push_service.new_browser()
    subscribe(parse_subscription(browser.subscription_json()), contact=contact, source="/cart/",
              text_shown="Notify me in this browser when my cart is waiting")
    return browser


@pytest.fixture
def cart_push():
    return PushNotification.objects.create(
        name="Cart push", title="{{ contact.first_name }}, your cart is waiting",
        body="{{ cart.lines|length }} item{{ cart.lines|length|pluralize }} saved for you",
        url="{{ cart.restore_url }}", icon="/static/shop/icon.png", live=True)


def update_cart(checkout: str = "c1"):
    track("checkout_updated", email="cat@example.com", idempotency_key=f"{checkout}-update",
          properties={"checkout_id": checkout, "cart": {"checkout_id": checkout,
                                                         "lines": [{"name": "Linen shirt"}, {"name": "Tote"}]}})


def test_point_end_to_end_push_then_email_then_stop_on_order(push_service, shopper, cart_push, clock, client):
    build_sequence("Cart", "checkout_updated", [
        {"kind": StepKind.PUSH, "push": cart_push, "delay_amount": 1, "delay_unit": "hours"},
        {"subject": "Still thinking it over?", "delay_amount": 1, "delay_unit": "days"},
        {"subject": "Last call for your cart", "delay_amount": 2, "delay_unit": "days"},
    ], journey_per="checkout_id", exit_events="order_completed")
    update_cart()

    clock.shift(dt.timedelta(hours=1))
    tick()

    (push,) = push_service.received
    assert push.endpoint == shopper.endpoint
    restore = push.payload.pop("url")
    assert push.payload == {"title": "Cat, your cart is waiting", "body": "2 items saved for you",
                            "icon": "http://testserver/static/shop/icon.png"}
    assert restore.startswith("http://testserver/drip/c/")  # tracked: the click counts, then the cart opens
    assert push.claims["sub"] == "mailto:ops@shop.test"
    message = Message.objects.get()
    assert (message.channel, message.status, message.to_email, message.address) == ("push", "sent", "", "1 browser")
    assert message.esp_message_id == push.location and message.handed_at is not None
    assert mail.outbox == []

    clicked = client.get(restore.removeprefix("http://testserver"))
    assert clicked.status_code == 302 and clicked["Location"].startswith("http://testserver/drip/cart/")
    assert MessageEvent.objects.get(message=message).event_type == "clicked"

    clock.shift(dt.timedelta(days=1))
    tick()
    assert [m.subject for m in mail.outbox] == ["Still thinking it over?"]

    track("order_completed", email="cat@example.com", properties={"order_id": "o1", "checkout_id": "c1"})
    assert Enrollment.objects.get().exit_reason == "exit event order_completed"
    clock.shift(dt.timedelta(days=5))
    tick()
    assert len(push_service.received) == 1 and len(mail.outbox) == 1
    consent = Consent.objects.get(channel="push")
    assert (consent.granted, consent.source, consent.text_shown) == (
        True, "/cart/", "Notify me in this browser when my cart is waiting")
    # The report per channel: one push sent and clicked, one email sent.
    (figures,) = step_report()
    assert {(c.label, c.sent, c.clicked) for c in figures.channels} == {("web push", 1, 1), ("email", 1, 0)}


def test_point_410_removes_subscription_and_next_step_falls_back(push_service, shopper, cart_push, clock):
    build_sequence("Cart", "checkout_updated", [
        {"kind": StepKind.PUSH, "push": cart_push, "delay_amount": 1, "delay_unit": "hours"},
        # Configured to fall back on its email when the contact has no browser to notify.
        {"kind": StepKind.PUSH, "push": cart_push, "subject": "Your cart, by email", "fallback": "email",
         "delay_amount": 1, "delay_unit": "days"},
    ], journey_per="checkout_id", exit_events="order_completed")
    update_cart()
    shopper.status = 410  # the browser dropped its subscription: the push service says Gone

    clock.shift(dt.timedelta(hours=1))
    tick()

    assert push_service.received == [] and [r.status for r in push_service.refused] == [410]
    assert not PushSubscription.objects.exists()
    first = Message.objects.get(step__sort_order=0)
    assert first.status == "failed" and "410" in first.error and first.attempts == 1

    clock.shift(dt.timedelta(days=1))
    tick()

    second = Message.objects.get(step__sort_order=1)
    assert (second.channel, second.status, second.to_email) == ("email", "sent", "cat@example.com")
    assert [m.subject for m in mail.outbox] == ["Your cart, by email"]
    assert len(push_service.refused) == 1  # no push attempted for the second step


def test_a_push_step_without_fallback_is_skipped_and_recorded(push_service, cart_push, clock):
    Contact.objects.create(email="cat@example.com")  # never opted in
    build_sequence("Cart", "checkout_updated", [
        {"kind": StepKind.PUSH, "push": cart_push, "delay_amount": 1, "delay_unit": "hours"},
        {"subject": "Your cart", "delay_amount": 1, "delay_unit": "days"},
    ], journey_per="checkout_id")
    update_cart()
    clock.shift(dt.timedelta(hours=1))
    tick()
    skipped = Message.objects.get()
    assert skipped.status == "suppressed" and "no browser subscribed" in skipped.error
    clock.shift(dt.timedelta(days=1))
    tick()
    assert [m.subject for m in mail.outbox] == ["Your cart"] and push_service.received == []


def test_push_quiet_hours_defer_a_notification_to_the_morning(push_service, shopper, cart_push, clock):
    build_sequence("Cart", "checkout_updated", [
        {"kind": StepKind.PUSH, "push": cart_push, "delay_amount": 12, "delay_unit": "hours"},
    ], journey_per="checkout_id")
    update_cart()  # 09:00 UTC: due at 21:00, the start of the quiet hours
    clock.shift(dt.timedelta(hours=12))
    tick()
    assert push_service.received == []
    clock.shift(dt.timedelta(hours=11) - dt.timedelta(seconds=1))
    tick()
    assert push_service.received == []
    clock.shift(dt.timedelta(seconds=1))  # 08:00
    tick()
    assert len(push_service.received) == 1


def test_broken_keys_fail_the_message_before_its_hand_over(push_service, shopper, cart_push, clock, settings):
    build_sequence("Cart", "checkout_updated", [{"kind": StepKind.PUSH, "push": cart_push}],
                   journey_per="checkout_id")
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "PUSH_VAPID_PRIVATE_KEY": "broken"}
    update_cart()
    tick()
    message = Message.objects.get()
    assert message.status == "failed" and message.handed_at is None and "PUSH_VAPID_PRIVATE_KEY" in message.error
    assert push_service.received == push_service.refused == []
