"""Issue 4 acceptance: "N days before a date attribute" — renewal reminder 7 and 1 days before."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from drip_plugin.models import Contact, ContactDate, DateRule, Event
from drip_plugin.scheduling import tick
from tests.factories import build_sequence

UTC = dt.UTC


def sent():
    return [m.subject for m in mail.outbox]


def test_renewal_reminder_7_and_1_days_before_a_date_attribute_in_the_contacts_time_zone(db, clock):
    build_sequence("Renewal", trigger="renewal_reminder", steps=[(0, "days", "Renews in {{ event.days_before }} d")])
    # The contact exists before the rule: saving the rule schedules existing contacts.
    contact = Contact.objects.create(
        email="paul@example.com", time_zone="Europe/Paris", attributes={"renewal_date": "2026-03-20"}
    )
    DateRule.objects.create(
        name="Renewal", event_name="renewal_reminder", source="renewal_date", days="7, 1", direction="before"
    )

    # 09:00 in Paris (CET, UTC+1) = 08:00 UTC.
    clock.move_to(dt.datetime(2026, 3, 13, 7, 59, tzinfo=UTC))
    tick()
    assert sent() == []
    clock.move_to(dt.datetime(2026, 3, 13, 8, 0, tzinfo=UTC))
    tick()
    assert sent() == ["Renews in 7 d"]
    clock.move_to(dt.datetime(2026, 3, 19, 7, 59, tzinfo=UTC))
    tick()
    assert sent() == ["Renews in 7 d"]
    clock.move_to(dt.datetime(2026, 3, 19, 8, 0, tzinfo=UTC))
    tick()
    assert sent() == ["Renews in 7 d", "Renews in 1 d"]
    clock.move_to(dt.datetime(2026, 4, 30, tzinfo=UTC))
    tick()
    assert sent() == ["Renews in 7 d", "Renews in 1 d"]
    event = Event.objects.filter(name="renewal_reminder").first()
    assert event.properties == {
        "source": "renewal_date",
        "occurrence": "2026-03-20",
        "date": "2026-03-20",
        "days_offset": -7,
        "days_before": 7,
    }

    # A new renewal date schedules its own reminders.
    contact.attributes = {"renewal_date": "2027-03-20"}
    contact.save()
    assert ContactDate.objects.get().due_at == dt.datetime(2027, 3, 13, 8, 0, tzinfo=UTC)


def test_renewal_reminder_only_the_latest_overdue_offset_is_sent_when_the_date_arrives_late(db, clock):
    DateRule.objects.create(name="R", event_name="renewal_reminder", source="renewal_date", days="7, 1")
    # clock: 2026-03-02 09:00 UTC; renewal in 2 days: the 7-day reminder is already past.
    Contact.objects.create(email="a@example.com", attributes={"renewal_date": "2026-03-04"})
    clock.move_to(dt.datetime(2026, 3, 5, tzinfo=UTC))
    tick()
    assert list(Event.objects.filter(name="renewal_reminder").values_list("properties__days_offset", flat=True)) == [-1]


def test_anniversary_rule_emits_every_year_from_a_date_attribute(db, clock):
    DateRule.objects.create(name="Customer anniversary", event_name="anniversary", source="customer_since",
                            days="0", yearly=True)
    Contact.objects.create(email="a@example.com", attributes={"customer_since": "2020-03-10T14:00:00+00:00"})
    for year in (2026, 2027):
        clock.move_to(dt.datetime(year, 3, 10, 9, 0, tzinfo=UTC))
        tick()
    years = [e.properties["years"] for e in Event.objects.filter(name="anniversary").order_by("pk")]
    assert years == [6, 7]


def test_date_rule_switched_off_cancels_pending_emits_and_bad_attribute_is_ignored_with_a_log(db, clock, caplog):
    rule = DateRule.objects.create(name="R", event_name="renewal_reminder", source="renewal_date", days="1")
    Contact.objects.create(email="ok@example.com", attributes={"renewal_date": "2026-03-20"})
    Contact.objects.create(email="bad@example.com", attributes={"renewal_date": "next tuesday"})
    assert "not an ISO date" in caplog.text
    assert list(ContactDate.objects.filter(due_at__isnull=False).values_list("contact__email", flat=True)) == [
        "ok@example.com"
    ]
    rule.active = False
    rule.save()
    clock.move_to(dt.datetime(2026, 3, 25, tzinfo=UTC))
    tick()
    assert not Event.objects.filter(name="renewal_reminder").exists()


@pytest.mark.parametrize("days", ["", "soon", "7, -1", "400"])
def test_date_rule_days_are_validated_with_a_clear_message(days):
    rule = DateRule(name="R", event_name="renewal_reminder", source="renewal_date", days=days)
    with pytest.raises(ValidationError) as excinfo:
        rule.full_clean()
    assert "days" in excinfo.value.message_dict


def test_after_the_tick_was_down_only_the_latest_of_several_overdue_reminders_is_emitted(db, clock):
    DateRule.objects.create(name="R", event_name="renewal_reminder", source="renewal_date", days="7, 1")
    Contact.objects.create(email="a@example.com", attributes={"renewal_date": "2026-03-20"})
    clock.move_to(dt.datetime(2026, 3, 19, 10, 0, tzinfo=UTC))  # both the 7-day and the 1-day reminder are due
    tick()
    tick()
    assert list(Event.objects.filter(name="renewal_reminder").values_list("properties__days_offset", flat=True)) == [-1]
