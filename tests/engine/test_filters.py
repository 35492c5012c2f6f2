"""Issue 4: trigger filters (segments) and flow filters re-checked before each send."""
from __future__ import annotations

import datetime as dt

from django.core import mail

from drip_plugin import track
from drip_plugin.engine.conditions import Facts, compare, resolve
from drip_plugin.models import Contact, Enrollment
from drip_plugin.scheduling import tick

from tests.factories import activity, condition


def test_filters_boston_only_sequence_ignores_others(flow, clock):
    flow("signed_up", [{"subject": "Hi Boston"}], trigger_filters=[condition("contact.city", "equals", "boston")])
    Contact.objects.create(email="b@example.com", attributes={"city": "Boston"})
    Contact.objects.create(email="n@example.com", attributes={"city": "New York"})
    track("signed_up", email="b@example.com")
    track("signed_up", email="n@example.com")
    track("signed_up", email="nobody@example.com")
    assert list(Enrollment.objects.values_list("contact__email", flat=True)) == ["b@example.com"]


def test_filters_or_group_and_event_properties(flow, clock):
    flow("order_completed", [{"subject": "Big or French"}], trigger_filters=[
        ("any_of", {"conditions": [condition("event.order.total", "gt", "100"),
                                   condition("contact.locale", "equals", "fr")]}),
    ])
    Contact.objects.create(email="fr@example.com", locale="fr")
    track("order_completed", email="fr@example.com", properties={"order_id": "fr", "order": {"total": "10.00"}})
    track("order_completed", email="big@example.com", properties={"order_id": "big", "order": {"total": "150.00"}})
    track("order_completed", email="small@example.com", properties={"order_id": "small", "order": {"total": "20.00"}})
    assert sorted(Enrollment.objects.values_list("contact__email", flat=True)) == ["big@example.com", "fr@example.com"]


def test_flow_filter_exit_is_recorded_when_contact_no_longer_matches(flow, clock):
    flow("signed_up", [{"subject": "Welcome"}, {"subject": "Buy something", "delay_amount": 2, "delay_unit": "days"}],
         flow_filters=[activity("order_completed", happened="has_not")])
    track("signed_up", email="f@example.com")
    tick()
    clock.shift(dt.timedelta(hours=1))
    track("order_completed", email="f@example.com", properties={"order_id": "1"})
    clock.shift(dt.timedelta(days=2))
    tick()
    assert [m.subject for m in mail.outbox] == ["Welcome"]
    enrollment = Enrollment.objects.get()
    assert enrollment.state == "exited"
    assert enrollment.exit_reason == "flow filter no longer matches: has_not order_completed"


def test_operators_on_plain_facts():
    now = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    facts = Facts(contact={"email": "a@b.c", "attributes": {"married": True, "tags": ["vip"], "seen": "2026-02-27"}},
                  event={"cart": {"total": "19.90"}}, now=now)
    assert resolve("event.cart.total", facts) == "19.90"
    assert compare(resolve("contact.married", facts), "equals", "true", now)
    assert compare(resolve("contact.tags", facts), "contains", "VIP", now)
    assert compare(resolve("event.cart.total", facts), "lt", "20", now)
    assert compare(resolve("contact.seen", facts), "within_last_days", "7", now)
    assert not compare(resolve("contact.seen", facts), "within_last_days", "2", now)
    assert compare(resolve("contact.city", facts), "is_not_set", "", now)
    assert compare("fr", "in", "en, fr", now)


def test_trigger_filter_about_the_same_object_ignores_orders_of_other_carts(flow, clock):
    flow("checkout_updated", [{"subject": "Your cart"}], journey_per="checkout_id",
         trigger_filters=[activity("order_completed", happened="has_not", since="days", days=30, same_object=True)])
    track("order_completed", email="s@example.com", properties={"order_id": "o1", "checkout_id": "OLD"})
    clock.shift(dt.timedelta(hours=1))
    track("checkout_updated", email="s@example.com", properties={"checkout_id": "NEW"})
    track("checkout_updated", email="s@example.com", properties={"checkout_id": "OLD"})
    assert list(Enrollment.objects.values_list("object_key", flat=True)) == ["NEW"]


def test_flow_filter_in_the_last_days_sees_activity_from_before_the_journey(flow, clock):
    flow("signed_up", [{"subject": "Welcome, recent buyer", "delay_amount": 1, "delay_unit": "days"}],
         flow_filters=[activity("order_completed", since="days", days=30)])
    track("order_completed", email="r@example.com", properties={"order_id": "1"})
    clock.shift(dt.timedelta(days=10))
    track("signed_up", email="r@example.com")
    clock.shift(dt.timedelta(days=1))
    tick()
    assert [m.subject for m in mail.outbox] == ["Welcome, recent buyer"]
