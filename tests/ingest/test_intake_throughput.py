"""Issue 23, goal 1 (intake): track() costs a constant, small number of
queries per event, enrollment included, however much data there is; and
track_many() has the effect of track() on each event in turn."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from drip_plugin import InvalidEvent, track, track_many
from drip_plugin.consent.suppression import email_hash
from drip_plugin.models import Contact, Enrollment, Event, Message, Suppression
from drip_plugin.models.sequences import Reentry
from drip_plugin.scheduling import tick

from tests.factories import activity, build_sequence

# BEGIN, contact (look-up, suppression, insert), event, live sequences and
# their first steps, exit events of the object, enrollment, its count in the
# report's daily aggregate, COMMIT.
MOST_QUERIES_PER_TRACK = 11


def cart(checkout: str, lines: int = 3) -> dict:
    return {"checkout_id": checkout, "cart": {"checkout_id": checkout, "currency": "EUR", "lines": [
        {"name": f"item {n}", "quantity": 1, "unit_price": "9.90"} for n in range(lines)]}}


@pytest.fixture
def shop(db):
    """A cart sequence (per checkout, ended by the order) and a welcome sequence."""
    build_sequence("Cart", "checkout_started", steps=((1, "hours", "Your cart"), (1, "days", "Still there?")),
                   journey_per="checkout_id", exit_events="order_completed", debounce_minutes=30)
    build_sequence("Welcome", "signed_up")


def queries_of(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_point1_queries_per_track_constant_as_data_grows(shop):
    # The day's first journey inserts the day's aggregate row (once a day);
    # every later one adds to it.
    track("checkout_started", email="early@example.com", properties=cart("c-0"))
    new_contact = queries_of(lambda: track("checkout_started", email="first@example.com", properties=cart("c-1")))
    known_contact = queries_of(lambda: track("checkout_started", email="first@example.com", properties=cart("c-2")))
    track_many([{"event_name": "checkout_started", "email": f"shopper{n}@example.com", "properties": cart(f"b-{n}")}
                for n in range(300)])
    track_many([{"event_name": "signed_up", "email": f"shopper{n}@example.com"} for n in range(300)])
    assert Enrollment.objects.count() == 603
    assert queries_of(lambda: track("checkout_started", email="later@example.com", properties=cart("c-3"))) == new_contact
    assert queries_of(lambda: track("checkout_started", email="later@example.com", properties=cart("c-4"))) == known_contact
    assert known_contact <= new_contact <= MOST_QUERIES_PER_TRACK
    assert Enrollment.objects.filter(object_key__in=["c-1", "c-2", "c-3", "c-4"]).count() == 4


def test_point1_track_many_queries_do_not_grow_with_the_number_of_events(shop):
    def batch(prefix: str, size: int):
        return lambda: track_many([{"event_name": "checkout_started", "email": f"{prefix}{n}@example.com",
                                    "properties": cart(f"{prefix}-{n}")} for n in range(size)])

    batch("early", 1)()  # the day's aggregate row exists from then on (see above)
    assert queries_of(batch("ten", 10)) == queries_of(batch("hundred", 100))
    assert Enrollment.objects.count() == 111


def world() -> dict:
    """What the events left, without row ids: contacts, events, journeys, and the emails a tick sends."""
    tick()
    return {
        "contacts": sorted(Contact.objects.values_list("email", "is_subscribed")),
        "events": sorted(Event.objects.values_list("contact__email", "name", "idempotency_key", "occurred_at")),
        "journeys": sorted(Enrollment.objects.values_list("contact__email", "sequence__name", "object_key", "state",
                                                          "exit_reason", "due_at", "trigger_event__idempotency_key")),
        "messages": sorted(Message.objects.values_list("to_email", "subject", "status")),
    }


def test_point1_track_many_equals_n_times_track(db, clock):
    build_sequence("Cart", "checkout_started", steps=((0, "hours", "Your cart"), (1, "days", "Still there?")),
                   journey_per="checkout_id", exit_events="order_completed", debounce_minutes=30)
    build_sequence("Once", "signed_up", reentry=Reentry.ONCE)
    build_sequence("Returning", "signed_up", steps=((0, "days", "Back again"),),
                   trigger_filters=[activity("order_completed")])
    Suppression.objects.create(email_hash=email_hash("bounced@example.com"), reason="bounced")
    start = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)

    def at(minutes: int) -> dt.datetime:
        return start + dt.timedelta(minutes=minutes)

    events = [
        # a cart, updated, then ordered: one journey, restarted, then ended
        {"event_name": "checkout_started", "email": "ann@example.com", "properties": cart("a1"), "occurred_at": at(0),
         "idempotency_key": "ann-1"},
        {"event_name": "checkout_started", "email": "Ann@Example.com", "properties": cart("a1", 4),
         "occurred_at": at(5), "idempotency_key": "ann-2"},
        {"event_name": "order_completed", "email": "ann@example.com", "occurred_at": at(9),
         "properties": {"checkout_id": "a1", "order_id": "o1"}, "idempotency_key": "ann-3"},
        {"event_name": "signed_up", "email": "ann@example.com", "occurred_at": at(10), "idempotency_key": "ann-4"},
        # the same webhook twice, and a sign-up twice on a once-only sequence
        {"event_name": "checkout_started", "email": "bob@example.com", "properties": cart("b1"), "occurred_at": at(1),
         "idempotency_key": "bob-1"},
        {"event_name": "checkout_started", "email": "bob@example.com", "properties": cart("b1"), "occurred_at": at(1),
         "idempotency_key": "bob-1"},
        {"event_name": "signed_up", "email": "bob@example.com", "occurred_at": at(2), "idempotency_key": "bob-2"},
        {"event_name": "signed_up", "email": "bob@example.com", "occurred_at": at(3), "idempotency_key": "bob-3"},
        # an order that came before its cart (webhooks are unordered): no cart journey
        {"event_name": "order_completed", "email": "cy@example.com", "occurred_at": at(8),
         "properties": {"checkout_id": "c1", "order_id": "o2"}, "idempotency_key": "cy-1"},
        {"event_name": "checkout_started", "email": "cy@example.com", "properties": cart("c1"), "occurred_at": at(4),
         "idempotency_key": "cy-2"},
        # a suppressed address comes back unsubscribed
        {"event_name": "signed_up", "email": "bounced@example.com", "occurred_at": at(6), "idempotency_key": "x-1"},
    ]
    clock.move_to(at(30))
    one_by_one = [track(**event) for event in events]
    expected = world()
    Contact.objects.all().delete()  # and with them their events, journeys and messages

    in_bulk = track_many(events)
    assert world() == expected
    assert [event.idempotency_key for event in in_bulk] == [event.idempotency_key for event in one_by_one]
    assert expected["journeys"] and expected["messages"]  # the scenario did start journeys and send


def test_point1_track_many_with_one_bad_event_writes_nothing(shop):
    with pytest.raises(InvalidEvent, match="event 1: .*not a valid email"):
        track_many([{"event_name": "signed_up", "email": "ok@example.com"},
                    {"event_name": "signed_up", "email": "not-an-email"}])
    with pytest.raises(InvalidEvent, match="event 0: .*unexpected keyword"):
        track_many([{"event_name": "signed_up", "email": "ok@example.com", "colour": "red"}])
    assert not Contact.objects.exists() and not Event.objects.exists()
