"""Issue 4 acceptance: date work is found by index — the date scheduler's
queries per tick do not grow with the number of contacts."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from drip_plugin import track
from drip_plugin.models import Contact, ContactDate, DateRule, Event, Subscription
from drip_plugin.dates.emit import emit_due_date_events

# 3 due emits (one per kind of row plus a renewal) with no sequence to enroll in,
# measured once and fixed here: the same bound holds for 5 and for 300 idle contacts.
# (Each emit goes through track(), which also looks up sequences exiting on it and having it as their goal.)
MAX_QUERIES = 32


@pytest.mark.parametrize("idle_contacts", [5, 300])
def test_date_scheduler_query_count_per_tick_does_not_grow_with_contacts(
    db, clock, settings, django_assert_max_num_queries, idle_contacts
):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "WINBACK_DAYS": 30}
    DateRule.objects.create(name="R", event_name="renewal_reminder", source="renewal_date", days="7")
    later = (timezone.now() + dt.timedelta(days=60)).isoformat()
    for i in range(idle_contacts):  # every kind of row, none due now
        Contact.objects.create(
            email=f"idle{i}@example.com", birthday=dt.date(1990, 8, 1), attributes={"renewal_date": "2026-09-01"}
        )
        track("order_completed", email=f"idle{i}@example.com", properties={"order_id": f"o{i}"})
        track("subscription_started", email=f"idle{i}@example.com",
              properties={"subscription_id": f"s{i}", "subscription": {"renews_at": later}})
    # Due now (2026-03-02 09:00 UTC): a birthday, a rule emit, a renewal reminder.
    Contact.objects.create(email="due@example.com", birthday=dt.date(1990, 3, 2),
                           attributes={"renewal_date": "2026-03-09"})
    track("subscription_started", email="due@example.com",
          properties={"subscription_id": "due", "subscription": {"renews_at": "2026-03-05T09:00:00Z"}})
    assert ContactDate.objects.filter(due_at__isnull=False).count() == 3 * idle_contacts + 2
    assert Subscription.objects.count() == idle_contacts + 1

    with django_assert_max_num_queries(MAX_QUERIES):
        emitted = emit_due_date_events(timezone.now(), 500)
    assert emitted == 3
    assert sorted(Event.objects.filter(contact__email="due@example.com").values_list("name", flat=True)) == [
        "birthday", "renewal_due", "renewal_reminder", "subscription_started"
    ]
