"""Issue 3 acceptance: two ticks at once over 500 due enrollments → 500 emails."""
from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from drip_plugin.models import Contact, Enrollment, Message
from drip_plugin.scheduling import tick
from tests.factories import build_sequence, run_concurrently


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_ticks_send_each_of_500_due_steps_exactly_once(clock):
    sequence = build_sequence(steps=[(0, "days", "Hi {{ contact.first_name }}")])
    step = sequence.steps.get()
    contacts = Contact.objects.bulk_create(
        Contact(email=f"c{i}@example.com", first_name=f"C{i}") for i in range(500)
    )
    Enrollment.objects.bulk_create(
        Enrollment(contact=c, sequence=sequence, current_step=step, due_at=timezone.now()) for c in contacts
    )

    results = run_concurrently(lambda: tick(batch_size=25))

    assert sum(r.sent for r in results) == 500
    assert Message.objects.count() == 500
    assert Message.objects.filter(status="sent").count() == 500
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == 500
    assert len(set(recipients)) == 500
    assert not Enrollment.objects.filter(due_at__isnull=False).exists()
