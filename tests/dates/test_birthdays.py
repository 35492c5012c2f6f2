"""Issue 4 acceptance: birthday on 29 February, in the contact's time zone, once a year."""
from __future__ import annotations

import datetime as dt

from django.core import mail

from drip_plugin.models import Contact, ContactDate, Event
from drip_plugin.scheduling import tick
from tests.factories import build_sequence

UTC = dt.UTC


def birthdays():
    return [(e.contact.email, e.properties["occurrence"]) for e in Event.objects.filter(name="birthday").order_by("pk")]


def test_birthday_on_29_february_is_28_february_in_a_non_leap_year_in_the_contacts_time_zone(db, clock):
    clock.move_to(dt.datetime(2027, 1, 10, 12, tzinfo=UTC))
    Contact.objects.create(email="kiri@example.com", time_zone="Pacific/Auckland", birthday=dt.date(2000, 2, 29))
    Contact.objects.create(email="ada@example.com", birthday=dt.date(2000, 2, 29))  # DEFAULT_TIME_ZONE: UTC

    # 28 February 2027, 09:00 in Auckland (NZDT, UTC+13) is 27 February 20:00 UTC.
    clock.move_to(dt.datetime(2027, 2, 27, 19, 59, tzinfo=UTC))
    tick()
    assert birthdays() == []
    clock.move_to(dt.datetime(2027, 2, 27, 20, 0, tzinfo=UTC))
    tick()
    assert birthdays() == [("kiri@example.com", "2027-02-28")]

    clock.move_to(dt.datetime(2027, 2, 28, 8, 59, tzinfo=UTC))
    tick()
    assert birthdays() == [("kiri@example.com", "2027-02-28")]
    clock.move_to(dt.datetime(2027, 2, 28, 9, 0, tzinfo=UTC))
    tick()
    tick()
    assert birthdays() == [("kiri@example.com", "2027-02-28"), ("ada@example.com", "2027-02-28")]
    event = Event.objects.get(name="birthday", contact__email="ada@example.com")
    assert event.properties == {
        "source": "birthday",
        "occurrence": "2027-02-28",
        "date": "2000-02-29",
        "years": 27,
        "days_offset": 0,
    }
    assert "2027-02-28" in event.idempotency_key

    # Next occurrence recomputed: 29 February 2028 (a leap year), 09:00 Auckland.
    row = ContactDate.objects.get(contact__email="kiri@example.com")
    assert row.due_at == dt.datetime(2028, 2, 28, 20, 0, tzinfo=UTC)


def test_birthday_on_29_february_in_a_leap_year_is_emitted_that_day_once_and_sends_one_email(db, clock):
    build_sequence("Birthday", trigger="birthday", steps=[(0, "days", "Happy birthday, {{ contact.first_name }}")])
    clock.move_to(dt.datetime(2028, 1, 5, 12, tzinfo=UTC))
    contact = Contact.objects.create(email="leo@example.com", first_name="Leo", birthday=dt.date(1996, 2, 29))

    clock.move_to(dt.datetime(2028, 2, 28, 12, tzinfo=UTC))
    tick()
    assert birthdays() == []
    clock.move_to(dt.datetime(2028, 2, 29, 9, 0, tzinfo=UTC))
    tick()
    assert birthdays() == [("leo@example.com", "2028-02-29")]
    assert [m.subject for m in mail.outbox] == ["Happy birthday, Leo"]

    # Saving the contact on the day recomputes the row but never wishes twice.
    contact.first_name = "Léo"
    contact.save()
    clock.shift(dt.timedelta(hours=3))
    tick()
    assert birthdays() == [("leo@example.com", "2028-02-29")]
    assert len(mail.outbox) == 1

    # The next year's key carries the new year: a second journey, a second email.
    clock.move_to(dt.datetime(2029, 2, 28, 9, 0, tzinfo=UTC))
    tick()
    assert birthdays() == [("leo@example.com", "2028-02-29"), ("leo@example.com", "2029-02-28")]
    assert len(mail.outbox) == 2


def test_birthday_entered_on_the_day_is_wished_but_one_entered_a_day_late_waits_a_year(db, clock):
    # clock: 2026-03-02 09:00 UTC
    Contact.objects.create(email="today@example.com", birthday=dt.date(1990, 3, 2))
    Contact.objects.create(email="late@example.com", birthday=dt.date(1990, 3, 1))
    tick()
    assert birthdays() == [("today@example.com", "2026-03-02")]
    late = ContactDate.objects.get(contact__email="late@example.com")
    assert late.due_at == dt.datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def test_birthday_uses_the_default_time_zone_when_the_contacts_is_unknown(db, clock, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "DEFAULT_TIME_ZONE": "America/New_York"}
    Contact.objects.create(email="x@example.com", time_zone="Mars/Olympus", birthday=dt.date(1990, 7, 4))
    row = ContactDate.objects.get()
    assert row.due_at == dt.datetime(2026, 7, 4, 13, 0, tzinfo=UTC)  # 09:00 EDT
