"""Issue 5 acceptance: subscription renewing in 14 days → reminders at 14/3/1 days;
renewed on day 5 → no further reminders. End to end: track() → Subscription →
tick → renewal_due → sequence → anymail test outbox."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from drip_plugin import InvalidEvent, track
from drip_plugin.models import Event, Subscription
from drip_plugin.scheduling import tick
from tests.factories import build_sequence

DAY = dt.timedelta(days=1)


def subscription_event(name, renews_at, *, sub_id="sub_1", plan="Pro", **extra):
    snapshot = {"subscription_id": sub_id, "plan": plan, "status": "active", "renews_at": renews_at}
    return track(name, email="sam@example.com", properties={"subscription_id": sub_id, "subscription": snapshot},
                 **extra)


@pytest.fixture
def reminder_sequence(db):
    # One step: the journey ends at once, so each renewal_due starts a new one.
    return build_sequence(
        "Renewal reminder",
        trigger="renewal_due",
        steps=[(0, "days", "{{ subscription.plan }} renews in {{ event.days_before }} days")],
    )


def tick_daily(clock, days, *, on_day=None):
    """Tick once a day for `days` days; returns (day, subject) of each email sent."""
    sent = []
    for day in range(days):
        if on_day:
            on_day(day)
        before = len(mail.outbox)
        tick()
        sent += [(day, m.subject) for m in mail.outbox[before:]]
        clock.shift(DAY)
    return sent


def test_subscription_renewing_in_14_days_gets_renewal_reminders_at_14_3_and_1_days(reminder_sequence, clock):
    renews_at = timezone.now() + 14 * DAY
    subscription_event("subscription_started", renews_at.isoformat())
    sent = tick_daily(clock, 20)
    assert sent == [(0, "Pro renews in 14 days"), (11, "Pro renews in 3 days"), (13, "Pro renews in 1 days")]
    assert {tuple(m.to) for m in mail.outbox} == {("sam@example.com",)}
    assert all(m.anymail_status.status == {"sent"} for m in mail.outbox)
    event = Event.objects.filter(name="renewal_due").order_by("pk").first()
    assert event.properties == {
        "subscription_id": "sub_1",
        "days_before": 14,
        "subscription": {"subscription_id": "sub_1", "plan": "Pro", "status": "active",
                         "renews_at": renews_at.isoformat()},
    }
    assert Subscription.objects.get().next_reminder_at is None


def test_subscription_renewed_on_day_5_gets_no_further_reminders_for_the_old_date(reminder_sequence, clock):
    renews_at = timezone.now() + 14 * DAY
    subscription_event("subscription_started", renews_at.isoformat())

    def renew_on_day_5(day):
        if day == 5:
            subscription_event("subscription_renewed", (renews_at + 365 * DAY).isoformat())

    sent = tick_daily(clock, 20, on_day=renew_on_day_5)
    assert sent == [(0, "Pro renews in 14 days")]
    subscription = Subscription.objects.get()
    # The reminders now belong to the new date.
    assert (subscription.next_reminder_at, subscription.next_reminder_days) == (renews_at + 351 * DAY, 14)


def test_subscription_cancelled_cancels_pending_renewal_reminders(reminder_sequence, clock):
    renews_at = timezone.now() + 14 * DAY
    subscription_event("subscription_started", renews_at.isoformat())
    tick()
    clock.shift(2 * DAY)
    track("subscription_cancelled", email="sam@example.com", properties={"subscription_id": "sub_1"})
    clock.shift(20 * DAY)
    tick()
    assert [m.subject for m in mail.outbox] == ["Pro renews in 14 days"]
    subscription = Subscription.objects.get()
    assert (subscription.status, subscription.next_reminder_at) == ("cancelled", None)


def test_subscription_event_delivered_late_and_out_of_order_is_ignored(reminder_sequence, clock):
    renews_at = timezone.now() + 14 * DAY
    subscription_event("subscription_started", renews_at.isoformat())
    track("subscription_cancelled", email="sam@example.com", properties={"subscription_id": "sub_1"},
          occurred_at=timezone.now() - DAY)
    assert Subscription.objects.get().status == "active"


def test_renewal_reminder_configurable_offsets(reminder_sequence, clock, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "RENEWAL_REMINDER_DAYS": [7]}
    subscription_event("subscription_started", (timezone.now() + 10 * DAY).isoformat())
    assert tick_daily(clock, 12) == [(3, "Pro renews in 7 days")]


@pytest.mark.parametrize(
    ("properties", "problem"),
    [
        ({"subscription": {"plan": "Pro"}}, "subscription_id"),
        ({"subscription_id": "s", "subscription": "Pro"}, "subscription: must be an object"),
        ({"subscription_id": "s", "subscription": {"renews_at": "soon"}}, "renews_at: must be an ISO 8601"),
        ({"subscription_id": "s", "subscription": {"renews_at": "2026-04-01T10:00:00"}}, "UTC offset"),
    ],
)
def test_bad_subscription_event_raises_a_clear_error_and_writes_nothing(db, caplog, properties, problem):
    with pytest.raises(InvalidEvent, match=problem):
        track("subscription_started", email="sam@example.com", properties=properties)
    assert not Event.objects.exists() and not Subscription.objects.exists()
    assert "rejected" in caplog.text


def test_subscription_renews_at_as_a_date_is_midnight_in_the_contacts_time_zone(db, clock):
    track("subscription_started", email="sam@example.com",
          properties={"subscription_id": "s", "subscription": {"renews_at": "2026-04-01"}})
    assert Subscription.objects.get().renews_at == dt.datetime(2026, 4, 1, tzinfo=dt.UTC)


def test_after_the_tick_was_down_only_the_latest_renewal_reminder_is_emitted(reminder_sequence, clock, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "RENEWAL_REMINDER_DAYS": [7, 1]}
    renews_at = timezone.now() + 14 * DAY
    subscription_event("subscription_started", renews_at.isoformat())
    clock.shift(13 * DAY + dt.timedelta(hours=1))  # the tick was down since day 0
    tick()
    tick()
    assert [m.subject for m in mail.outbox] == ["Pro renews in 1 days"]
