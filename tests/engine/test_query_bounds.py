"""Issue 4: due-work queries stay indexed and bounded, whatever the number of contacts."""
from __future__ import annotations

import datetime as dt
import math
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from drip_plugin.delivery import send_due_messages
from drip_plugin.engine import advance_due_enrollments
from drip_plugin.models import Contact, Enrollment, Message
from drip_plugin.scheduling import tick

from tests.factories import activity, window


def _queue(sequence, count: int, *, due: bool, prefix: str):
    step = sequence.steps.order_by("sort_order").first()
    contacts = Contact.objects.bulk_create(Contact(email=f"{prefix}{i}@example.com") for i in range(count))
    when = timezone.now() + (dt.timedelta(0) if due else dt.timedelta(days=30))
    Enrollment.objects.bulk_create(
        Enrollment(contact=c, sequence=sequence, current_step=step, due_at=when, enrolled_at=timezone.now())
        for c in contacts
    )


# The sender's hand-over rounds: one mark and one outcome write per round, in a
# transaction (a savepoint inside the test's), and how many rounds 3 sends take
# depends on when the sending threads report (each round also adds its sends
# to the day's aggregate row). Not what this test is about.
HAND_OVER_WRITE = re.compile(r'UPDATE "drip_plugin_message" SET .* AND "claim" = |(RELEASE )?SAVEPOINT '
                             r'|(UPDATE|INSERT INTO) "drip_plugin_stepday"', re.DOTALL)


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def _count_without_hand_over_rounds(fn):
    with CaptureQueriesContext(connection) as queries:
        result = fn()
    return sum(1 for query in queries if not HAND_OVER_WRITE.search(query["sql"])), result


def _full_featured(flow):
    return flow("signed_up", [{"subject": "One"}, {"subject": "Two", "delay_amount": 1, "delay_unit": "days"}],
                flow_filters=[activity("order_completed", happened="has_not")],
                send_windows=[window("0123456", "00:00", "23:59")], cap_count=5, cap_days=7)


def test_tick_query_count_does_not_grow_with_idle_contacts(flow, clock):
    sequence = _full_featured(flow)
    _queue(sequence, 3, due=True, prefix="due-a")
    _queue(sequence, 10, due=False, prefix="idle-a")
    small, _ = _count_without_hand_over_rounds(tick)
    Enrollment.objects.all().delete()
    _queue(sequence, 3, due=True, prefix="due-b")
    _queue(sequence, 400, due=False, prefix="idle-b")
    large, result = _count_without_hand_over_rounds(tick)
    assert large <= small and result.sent == 3


def test_advancing_a_batch_takes_the_same_queries_for_5_or_60_due(flow, clock):
    sequence = _full_featured(flow)
    _queue(sequence, 5, due=True, prefix="five")
    few = _count(lambda: advance_due_enrollments(timezone.now(), 500))
    Enrollment.objects.all().delete()
    _queue(sequence, 60, due=True, prefix="sixty")
    many = _count(lambda: advance_due_enrollments(timezone.now(), 500))
    # Only the multi-row INSERT may split, where the backend caps variables
    # per statement (SQLite: 999); nothing else grows with the batch.
    fields = [f for f in Message._meta.concrete_fields if not f.primary_key]
    per_insert = connection.ops.bulk_batch_size(fields, [None] * 60)
    assert many - few == math.ceil(60 / per_insert) - math.ceil(5 / per_insert)
    assert Enrollment.objects.filter(current_step__sort_order=1).count() == 60


def test_completing_journeys_due_at_different_times_take_the_same_queries_for_5_or_60(flow, clock):
    sequence = flow("signed_up", [{"subject": "Only"}])
    step = sequence.steps.get()

    def queue(count: int, prefix: str):
        contacts = Contact.objects.bulk_create(Contact(email=f"{prefix}{i}@example.com") for i in range(count))
        Enrollment.objects.bulk_create(
            Enrollment(contact=c, sequence=sequence, current_step=step, enrolled_at=timezone.now(),
                       due_at=timezone.now() - dt.timedelta(minutes=i)) for i, c in enumerate(contacts))

    queue(5, "five")
    few = _count(lambda: advance_due_enrollments(timezone.now(), 500))
    Enrollment.objects.all().delete()
    queue(60, "sixty")
    many = _count(lambda: advance_due_enrollments(timezone.now(), 500))
    fields = [f for f in Message._meta.concrete_fields if not f.primary_key]
    per_insert = connection.ops.bulk_batch_size(fields, [None] * 60)
    assert many - few == math.ceil(60 / per_insert) - math.ceil(5 / per_insert)
    ended = Enrollment.objects.order_by("due_at", "ended_at")
    assert all(e.state == "completed" and e.due_at is None for e in ended)
    assert sorted(e.ended_at for e in ended) == sorted(timezone.now() - dt.timedelta(minutes=i) for i in range(60)), \
        "each ends when its step was due"


def test_sending_a_batch_takes_the_same_queries_for_5_or_60_messages(flow, clock):
    # Sending reads a leased row's columns without a query of its own: one
    # left unloaded and then read would cost a query per message.
    sequence = _full_featured(flow)
    sent = {}
    for count in (5, 60):
        Message.objects.all().delete()
        _queue(sequence, count, due=True, prefix=f"send{count}-")
        advance_due_enrollments(timezone.now(), 500)
        sent[count] = _count_without_hand_over_rounds(lambda: send_due_messages(timezone.now(), 500))
    (few, result_few), (many, result_many) = sent[5], sent[60]
    assert (result_few.sent, result_many.sent) == (5, 60)
    assert many == few
