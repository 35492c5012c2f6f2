"""Issue 15 point 8: renewal reminders fire like the other date events — on
their day (renews_at's local date minus N days) at DATE_EVENTS_TIME in the
contact's time zone, once per (subscription, N, renewal date)."""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from drip_plugin import track
from drip_plugin.models import Contact, Event, Subscription
from drip_plugin.scheduling import tick

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)


def start_subscription(email, renews_at):
    track("subscription_started", email=email,
          properties={"subscription_id": email, "subscription": {"plan": "Pro", "renews_at": renews_at}})


def reminders():
    return [(e.occurred_at, e.properties["days_before"]) for e in Event.objects.filter(name="renewal_due").order_by("pk")]


def tick_at(clock, moments):
    """Tick at each of `moments`; returns (tick time, days_before) of each
    reminder, as the tick that emitted it saw the clock."""
    seen = []
    for now in moments:
        clock.move_to(now)
        before = len(reminders())
        tick()
        seen += [(now, days) for _, days in reminders()[before:]]
    return seen


def local(zone, *args):
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))


# Each case straddles its zone's DST change with reminders 7 days and 1 day
# before the renewal day, and renews_at's local date differs from its UTC date
# (or is a bare date: midnight local).
CASES = {
    # NZDT (UTC+13) ends 5 April 2026: 03-04-2026 09:00 NZDT, 09-04-2026 09:00 NZST.
    "Pacific/Auckland": ("2026-04-09T23:30:00Z", dt.date(2026, 4, 10)),
    # CEST (UTC+2) starts 29 March 2026; a bare date is that day in Paris.
    "Europe/Paris": ("2026-04-01", dt.date(2026, 4, 1)),
    # PDT (UTC-7) starts 8 March 2026; 11 March 05:00 UTC is 10 March 22:00 in Los Angeles.
    "America/Los_Angeles": ("2026-03-11T05:00:00Z", dt.date(2026, 3, 10)),
}


@pytest.mark.parametrize("zone", CASES)
def test_point8_renewal_reminder_at_date_events_time_local_in_three_zones_across_dst(db, clock, settings, zone):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "RENEWAL_REMINDER_DAYS": [7, 1]}
    renews_at, renewal_day = CASES[zone]
    first = local(zone, *(renewal_day - dt.timedelta(days=7)).timetuple()[:3], 9).astimezone(UTC)
    last = local(zone, *(renewal_day - dt.timedelta(days=1)).timetuple()[:3], 9).astimezone(UTC)
    clock.move_to(first - dt.timedelta(days=2))
    Contact.objects.create(email="kim@example.com", time_zone=zone)
    start_subscription("kim@example.com", renews_at)

    seen = tick_at(clock, [first - MINUTE, first, last - MINUTE, last, last + dt.timedelta(days=2)])

    # DST changed between the two: the same 09:00 local is another hour in UTC.
    assert first.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset() != last.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
    assert seen == [(first, 7), (last, 1)]
    assert reminders() == [(first, 7), (last, 1)]
    assert [at.astimezone(zoneinfo.ZoneInfo(zone)).time() for at, _ in reminders()] == [dt.time(9)] * 2
    assert Subscription.objects.get().next_reminder_at is None


def test_point8_renewal_reminder_at_date_events_time_local_follows_the_setting_to_the_minute(db, clock, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "RENEWAL_REMINDER_DAYS": [3], "DATE_EVENTS_TIME": "07:45"}
    clock.move_to(dt.datetime(2026, 6, 1, tzinfo=UTC))
    Contact.objects.create(email="kim@example.com", time_zone="Europe/Paris")
    start_subscription("kim@example.com", "2026-06-10T18:00:00+02:00")

    # 7 June 07:45 CEST is 05:45 UTC.
    clock.move_to(dt.datetime(2026, 6, 7, 5, 44, tzinfo=UTC))
    tick()
    assert reminders() == []
    clock.move_to(dt.datetime(2026, 6, 7, 5, 45, tzinfo=UTC))
    tick()
    tick()
    assert reminders() == [(dt.datetime(2026, 6, 7, 5, 45, tzinfo=UTC), 3)]


def test_point8_renewal_reminder_at_date_events_time_local_for_a_row_stored_at_another_time_of_its_day(
        db, clock, settings):
    """A reminder scheduled before the upgrade (renews_at minus N days to the
    minute) goes out once when claimed, then the next one at DATE_EVENTS_TIME."""
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "RENEWAL_REMINDER_DAYS": [3, 1]}
    clock.move_to(dt.datetime(2026, 6, 1, tzinfo=UTC))
    start_subscription("kim@example.com", "2026-06-10T18:00:00Z")  # DEFAULT_TIME_ZONE: UTC
    old_style = dt.datetime(2026, 6, 7, 18, tzinfo=UTC)
    Subscription.objects.update(next_reminder_at=old_style, next_reminder_days=3)

    on_time = dt.datetime(2026, 6, 9, 9, tzinfo=UTC)
    seen = tick_at(clock, [old_style - MINUTE, old_style, on_time - MINUTE, on_time, dt.datetime(2026, 6, 11, tzinfo=UTC)])

    assert seen == [(old_style, 3), (on_time, 1)]
