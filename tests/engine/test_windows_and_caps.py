"""Issue 4: send windows in the contact's time zone (DST included) and frequency caps."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from drip_plugin import track
from drip_plugin.models import Contact, Message
from drip_plugin.scheduling import tick

from tests.factories import window

UTC = dt.UTC
WEEKDAYS = "01234"


def sent_at():
    return [m.sent_at for m in Message.objects.filter(status="sent").order_by("sent_at")]


def test_window_step_due_0300_paris_goes_at_1130_paris(flow, clock):
    flow("signed_up", [{"subject": "Hello"}], send_windows=[window(WEEKDAYS, "11:30", "13:30"),
                                                            window(WEEKDAYS, "17:00", "19:00")])
    Contact.objects.create(email="p@example.com", time_zone="Europe/Paris")
    clock.move_to(dt.datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # Monday 03:00 in Paris (UTC+1)
    track("signed_up", email="p@example.com")
    tick()
    assert mail.outbox == []
    clock.move_to(dt.datetime(2026, 3, 2, 10, 29, tzinfo=UTC))
    tick()
    assert mail.outbox == []
    clock.move_to(dt.datetime(2026, 3, 2, 10, 30, tzinfo=UTC))  # 11:30 Paris
    tick()
    assert sent_at() == [dt.datetime(2026, 3, 2, 10, 30, tzinfo=UTC)]


def test_window_new_york_contact_gets_it_at_1130_new_york(flow, clock):
    flow("signed_up", [{"subject": "Hello"}], send_windows=[window(WEEKDAYS, "11:30", "13:30")])
    Contact.objects.create(email="ny@example.com", time_zone="America/New_York")
    clock.move_to(dt.datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    track("signed_up", email="ny@example.com")
    clock.move_to(dt.datetime(2026, 3, 2, 10, 30, tzinfo=UTC))  # 11:30 Paris is 05:30 in New York
    tick()
    assert mail.outbox == []
    clock.move_to(dt.datetime(2026, 3, 2, 16, 30, tzinfo=UTC))  # 11:30 EST
    tick()
    assert sent_at() == [dt.datetime(2026, 3, 2, 16, 30, tzinfo=UTC)]


@pytest.mark.parametrize(("day", "opening_utc"), [
    (28, dt.datetime(2026, 3, 28, 10, 30, tzinfo=UTC)),  # Saturday, still CET (UTC+1)
    (29, dt.datetime(2026, 3, 29, 9, 30, tzinfo=UTC)),   # DST change day: CEST (UTC+2)
])
def test_window_on_dst_change_day_opens_at_local_1130(flow, clock, day, opening_utc):
    flow("signed_up", [{"subject": "Hello"}], send_windows=[window("0123456", "11:30", "13:30")])
    Contact.objects.create(email="p@example.com", time_zone="Europe/Paris")
    clock.move_to(dt.datetime(2026, 3, day, 0, 30, tzinfo=UTC))
    track("signed_up", email="p@example.com")
    tick()
    clock.move_to(opening_utc - dt.timedelta(minutes=1))
    tick()
    assert mail.outbox == []
    clock.move_to(opening_utc)
    tick()
    assert sent_at() == [opening_utc]


def test_window_contact_without_zone_uses_the_default(flow, clock, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "DEFAULT_TIME_ZONE": "Asia/Tokyo"}
    flow("signed_up", [{"subject": "Hello"}], send_windows=[window(WEEKDAYS, "11:30", "13:30")])
    clock.move_to(dt.datetime(2026, 3, 2, 0, 0, tzinfo=UTC))  # 09:00 Tokyo
    track("signed_up", email="t@example.com")
    tick()
    clock.move_to(dt.datetime(2026, 3, 2, 2, 30, tzinfo=UTC))  # 11:30 Tokyo
    tick()
    assert len(mail.outbox) == 1


def test_cap_two_per_seven_days_sends_two_defers_the_rest_in_order_transactional_exempt(flow, clock, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "FREQUENCY_CAP": {"count": 2, "days": 7}}
    flow("signed_up", [{"subject": "A1"}, {"subject": "A2", "delay_amount": 1, "delay_unit": "days"}], name="A")
    flow("signed_up", [{"subject": "B1"}], name="B")
    flow("signed_up", [{"subject": "C1", "delay_amount": 1, "delay_unit": "days"}], name="C")
    flow("signed_up", [{"subject": "Receipt", "delay_amount": 1, "delay_unit": "days"}], name="T", transactional=True)
    track("signed_up", email="cap@example.com")
    tick()
    assert sorted(m.subject for m in mail.outbox) == ["A1", "B1"]
    clock.shift(dt.timedelta(days=2))
    tick()
    assert sorted(m.subject for m in mail.outbox) == ["A1", "B1", "Receipt"], "A2 and C1 are deferred, not dropped"
    clock.shift(dt.timedelta(days=5) - dt.timedelta(minutes=1))  # day 7 minus a minute
    tick()
    assert len(mail.outbox) == 3
    clock.shift(dt.timedelta(minutes=1))
    tick()
    assert sorted(m.subject for m in mail.outbox[3:]) == ["A2", "C1"]
    # In their original order: claimed by (send_after, pk). The outbox's own
    # order is the order sends finished on parallel connections: a race.
    deferred = Message.objects.filter(subject__in=["A2", "C1"]).order_by("send_after", "pk")
    assert [m.subject for m in deferred] == ["A2", "C1"], "deferred emails go out in their original order"


def test_cap_per_sequence_with_skip_records_and_moves_on(flow, clock):
    flow("signed_up", [{"subject": "One"}, {"subject": "Two"}, {"subject": "Three", "delay_amount": 8, "delay_unit": "days"}],
         cap_count=1, cap_days=7, cap_action="skip")
    track("signed_up", email="skip@example.com")
    tick()
    assert [m.subject for m in mail.outbox] == ["One"]
    clock.shift(dt.timedelta(days=8))
    tick()
    assert [m.subject for m in mail.outbox] == ["One", "Three"]


def test_cap_does_not_count_a_message_that_was_refused(flow, clock, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "FREQUENCY_CAP": {"count": 1, "days": 7}}
    opted_out = flow("x_due", [{"subject": "X"}], name="X")
    flow("y_due", [{"subject": "Y"}], name="Y")
    contact = Contact.objects.create(email="cap@example.com")
    contact.opted_out_of.add(opted_out)
    track("x_due", email="cap@example.com")
    tick()
    assert Message.objects.get().status == "suppressed"
    clock.shift(dt.timedelta(hours=1))
    track("y_due", email="cap@example.com")
    tick()
    assert [m.subject for m in mail.outbox] == ["Y"]


def test_window_ending_at_midnight_is_open_until_midnight(flow, clock):
    flow("signed_up", [{"subject": "Evening"}], send_windows=[window("0123456", "18:00", "00:00")])
    clock.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    track("signed_up", email="night@example.com")
    tick()
    assert mail.outbox == []
    clock.move_to(dt.datetime(2026, 3, 2, 18, 0, tzinfo=UTC))
    tick()
    assert sent_at() == [dt.datetime(2026, 3, 2, 18, 0, tzinfo=UTC)]


def test_overnight_window_is_still_open_after_midnight(flow, clock):
    flow("signed_up", [{"subject": "Late"}], send_windows=[window("0", "22:00", "02:00")])  # opens Monday
    clock.move_to(dt.datetime(2026, 3, 3, 1, 0, tzinfo=UTC))  # Tuesday 01:00: Monday's window
    track("signed_up", email="owl@example.com")
    tick()
    assert sent_at() == [dt.datetime(2026, 3, 3, 1, 0, tzinfo=UTC)]


def test_birthday_offset_counts_from_the_next_birthday_not_the_year_of_birth(flow, clock):
    flow("signed_up", [{"subject": "Your birthday is coming", "timing": "date_offset",
                        "date_field": "contact.birthday", "offset_days": -3}])
    clock.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    Contact.objects.create(email="bday@example.com", birthday=dt.date(1990, 6, 10))
    track("signed_up", email="bday@example.com")
    tick()
    assert mail.outbox == []
    from drip_plugin.models import Enrollment

    assert Enrollment.objects.get().due_at == dt.datetime(2026, 6, 7, 9, 0, tzinfo=UTC)


def test_birthday_offset_across_the_new_year_is_never_due_in_the_past(flow, clock):
    flow("signed_up", [{"subject": "A week to your birthday", "timing": "date_offset",
                        "date_field": "contact.birthday", "offset_days": -7}])
    clock.move_to(dt.datetime(2025, 12, 30, 10, 0, tzinfo=UTC))  # this year's "3 Jan - 7 days" has just passed
    Contact.objects.create(email="jan@example.com", birthday=dt.date(1990, 1, 3))
    track("signed_up", email="jan@example.com")
    tick()
    from drip_plugin.models import Enrollment

    assert mail.outbox == [] and Enrollment.objects.get().due_at == dt.datetime(2026, 12, 27, 9, 0, tzinfo=UTC)
