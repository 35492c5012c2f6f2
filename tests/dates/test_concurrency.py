"""Two ticks at once over due date rows: each date event is emitted, and mailed, exactly once."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from drip_plugin import track
from drip_plugin.models import Contact, ContactDate, Event, Subscription
from drip_plugin.scheduling import tick
from tests.factories import build_sequence, run_concurrently

PEOPLE = 60


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_ticks_emit_each_birthday_and_renewal_reminder_exactly_once(clock):
    build_sequence("Birthday", trigger="birthday", steps=[(0, "days", "Happy birthday")])
    build_sequence("Renewal", trigger="renewal_due", steps=[(0, "days", "Renews soon")])
    renews_at = (timezone.now() + dt.timedelta(days=3)).isoformat()
    for i in range(PEOPLE):
        # clock: 2026-03-02 09:00 UTC — the birthday and the 3-day reminder are due now.
        Contact.objects.create(email=f"c{i}@example.com", birthday=dt.date(1990, 3, 2))
        track("subscription_started", email=f"c{i}@example.com",
              properties={"subscription_id": f"s{i}", "subscription": {"renews_at": renews_at}})

    run_concurrently(lambda: tick(batch_size=7))

    assert Event.objects.filter(name="birthday").count() == PEOPLE
    assert Event.objects.filter(name="renewal_due").count() == PEOPLE
    subjects = sorted((m.subject, m.to[0]) for m in mail.outbox)
    assert len(subjects) == 2 * PEOPLE
    assert len(set(subjects)) == 2 * PEOPLE
    assert not ContactDate.objects.filter(due_at__lte=timezone.now()).exists()
    assert not Subscription.objects.filter(next_reminder_at__lte=timezone.now()).exists()
