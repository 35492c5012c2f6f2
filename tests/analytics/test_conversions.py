"""Issue 6: orders are attributed to the last clicked (5 days) or opened (1 day) email."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from anymail.signals import AnymailTrackingEvent, tracking
from django.utils import timezone

from drip_plugin import track
from drip_plugin.analytics.sequence_report import Period, sequence_report
from drip_plugin.models import Message, MessageEvent
from drip_plugin.scheduling import tick
from tests.factories import build_sequence, engage_as_no_person, sent_message


def engage(message: Message, kind: str):
    tracking.send(sender=object, esp_name="TestESP", event=AnymailTrackingEvent(
        event_type=kind, recipient=message.to_email, timestamp=timezone.now(),
        metadata={"drip_message": str(message.pk)}, message_id=None))


def order(total: str):
    track("order_completed", email="buyer@example.com",
          properties={"order_id": total, "order": {"total": total, "currency": "EUR"}})


def test_conversion_attributed_to_last_click_within_5_days_with_revenue(db, clock):
    build_sequence(steps=[(0, "days", "One"), (1, "days", "Two")])
    track("signed_up", email="buyer@example.com")
    tick()
    clock.shift(dt.timedelta(days=1))
    tick()
    one, two = Message.objects.order_by("pk")
    engage(one, "clicked")
    engage(two, "opened")
    clock.shift(dt.timedelta(days=2))
    order("49.90")
    one.refresh_from_db()
    assert (one.revenue, one.revenue_currency) == (Decimal("49.90"), "EUR"), "the click beats an older-window open"
    clock.shift(dt.timedelta(days=4))
    order("10.00")
    assert sum(m.revenue for m in Message.objects.all()) == Decimal("49.90"), "outside 5 days: not attributed"


def test_conversion_falls_back_to_an_open_within_one_day(db, clock):
    build_sequence(steps=[(0, "days", "One")])
    track("signed_up", email="buyer@example.com")
    tick()
    engage(Message.objects.get(), "opened")
    clock.shift(dt.timedelta(hours=20))
    order("20.00")
    assert Message.objects.get().revenue == Decimal("20.00")


def clicked_message(clock) -> Message:
    message = sent_message("buyer@example.com", [(0, "days", "One")])
    clock.shift(dt.timedelta(minutes=1))  # a person, not a link scanner on arrival
    engage(message, "clicked")
    return message


def test_conversion_same_order_from_two_routes_is_counted_once(db, clock):
    message = clicked_message(clock)
    for key in ("saleor-webhook", "host-signal"):  # two idempotency keys, one order
        track("order_completed", email="buyer@example.com", idempotency_key=key,
              properties={"order_id": 1042, "order": {"order_id": "1042", "total": "10.00", "currency": "EUR"}})
    message.refresh_from_db()
    assert message.revenue == Decimal("10.00")


def test_conversion_in_another_currency_is_not_added_to_the_messages_revenue(db, clock):
    message = clicked_message(clock)
    track("order_completed", email="buyer@example.com",
          properties={"order_id": "A", "order": {"total": "100.00", "currency": "EUR"}})
    track("order_completed", email="buyer@example.com",
          properties={"order_id": "B", "order": {"total": "5000", "currency": "JPY"}})
    message.refresh_from_db()
    assert (message.revenue, message.revenue_currency) == (Decimal("100.00"), "EUR")


def test_conversion_with_a_total_that_is_not_an_amount_is_not_attributed(db, clock):
    message = clicked_message(clock)
    for total in (1e12, -1e11):  # numbers the event schema lets through, too large for revenue
        event = track("order_completed", email="buyer@example.com",
                      properties={"order_id": total, "order": {"total": total, "currency": "EUR"}})
        assert event.pk, "the order event itself is kept"
    message.refresh_from_db()
    assert message.revenue == Decimal("0")


def test_point_honest_counts_flagged_clicks_and_opens_earn_no_conversion(db, clock, client):
    sent = sent_message("buyer@example.com")
    _, link = engage_as_no_person(client, clock, sent)
    client.get(link)  # an editor trying the link
    assert sorted(MessageEvent.objects.values_list("event_type", "flag")) == [
        ("clicked", "scanner"), ("clicked", "staff"), ("opened", "prefetch")]
    order("30.00")
    sent.refresh_from_db()
    assert sent.revenue == 0, "no person clicked or opened: no conversion"
    today = timezone.localdate()
    assert sequence_report(sent.step.sequence, Period(today, today)).total.converted == 0

    client.logout()
    client.get(link)  # the contact, at last
    order("40.00")
    sent.refresh_from_db()
    assert (sent.revenue, sent.revenue_currency) == (Decimal("40.00"), "EUR")
    report = sequence_report(sent.step.sequence, Period(today, today))
    assert (report.total.converted, dict(report.total.revenue)) == (1, {"EUR": Decimal("40.00")})
