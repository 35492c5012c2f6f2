"""Issue 4: the seeds' example — bought within 7 days? next day; else follow-up in 3 weeks."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from drip_plugin import track
from drip_plugin.models import Enrollment
from drip_plugin.scheduling import tick

from tests.factories import activity


@pytest.fixture
def review_flow(flow):
    return flow("order_completed", [
        {"subject": "Thanks for your order"},
        {"kind": "branch", "delay_amount": 7, "delay_unit": "days",
         "condition": [activity("order_completed", since="step", days=None)], "if_false_goto": "follow-up"},
        {"subject": "Loved it? Leave a review", "delay_amount": 1, "delay_unit": "days"},
        {"kind": "exit", "label": "done"},
        {"subject": "We miss you: 10% off", "label": "follow-up", "delay_amount": 21, "delay_unit": "days"},
    ], reentry="once")


def subjects():
    return [m.subject for m in mail.outbox]


def test_branch_bought_within_7_days_gets_next_step_the_next_day(review_flow, clock):
    track("order_completed", email="ann@example.com", properties={"order_id": "1"})
    tick()
    assert subjects() == ["Thanks for your order"]
    clock.shift(dt.timedelta(days=3))
    track("order_completed", email="ann@example.com", properties={"order_id": "2"})  # bought again
    clock.shift(dt.timedelta(days=4))
    tick()  # branch at day 7: an order since the last step → true path
    assert subjects() == ["Thanks for your order"]
    clock.shift(dt.timedelta(days=1) - dt.timedelta(minutes=1))
    tick()
    assert subjects() == ["Thanks for your order"]
    clock.shift(dt.timedelta(minutes=1))
    tick()
    assert subjects() == ["Thanks for your order", "Loved it? Leave a review"]
    clock.shift(dt.timedelta(days=30))
    tick()
    assert subjects() == ["Thanks for your order", "Loved it? Leave a review"]
    assert Enrollment.objects.get().exit_reason == "exit step done"


def test_branch_no_purchase_gets_follow_up_after_3_weeks(review_flow, clock):
    track("order_completed", email="bob@example.com", properties={"order_id": "1"})
    tick()
    clock.shift(dt.timedelta(days=7))
    tick()  # branch false → jump to follow-up, due 21 days later
    clock.shift(dt.timedelta(days=21) - dt.timedelta(minutes=1))
    tick()
    assert subjects() == ["Thanks for your order"]
    clock.shift(dt.timedelta(minutes=1))
    tick()
    assert subjects() == ["Thanks for your order", "We miss you: 10% off"]
    assert Enrollment.objects.get().state == "completed"


def test_branch_on_opening_the_previous_email_within_the_step(flow, clock):
    from anymail.signals import AnymailTrackingEvent, tracking
    from django.utils import timezone

    from drip_plugin.models import Message

    flow("signed_up", [
        {"subject": "Welcome"},
        {"kind": "branch", "delay_amount": 2, "delay_unit": "days",
         "condition": [activity("email_opened", since="step")], "if_false_goto": "nudge"},
        {"subject": "Glad you read it"},
        {"kind": "exit"},
        {"subject": "Did you see our welcome?", "label": "nudge"},
    ])
    track("signed_up", email="reader@example.com")
    track("signed_up", email="skimmer@example.com")
    tick()
    opened = Message.objects.get(to_email="reader@example.com")
    clock.shift(dt.timedelta(hours=3))
    tracking.send(sender=object, esp_name="TestESP", event=AnymailTrackingEvent(
        event_type="opened", recipient=opened.to_email, timestamp=timezone.now(),
        metadata={"drip_message": str(opened.pk)}, message_id=None))
    clock.shift(dt.timedelta(days=2))
    tick()
    sent = {(m.to[0], m.subject) for m in mail.outbox}
    assert ("reader@example.com", "Glad you read it") in sent
    assert ("skimmer@example.com", "Did you see our welcome?") in sent
    assert len(sent) == 4


def test_branch_false_path_is_timed_from_when_the_branch_was_due_not_from_a_late_tick(review_flow, clock):
    track("order_completed", email="late@example.com", properties={"order_id": "1"})
    tick()
    branch_due = Enrollment.objects.get().due_at
    clock.shift(dt.timedelta(days=7, hours=3))  # the tick runs 3 hours late
    tick()
    assert Enrollment.objects.get().due_at == branch_due + dt.timedelta(days=21)
