"""Emitting due date events: claim due rows by index, track() them, schedule the next.

Each round is one transaction over at most `limit` rows, locked with
SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL so concurrent ticks take
different rows; the idempotency key of every emit makes a repeat a no-op anyway.
"""
from __future__ import annotations

import logging
from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet

from ..exceptions import InvalidEvent
from ..ingest import track
from ..models import Contact, ContactDate, Subscription
from ..models.dates import DateKind
from .contacts import advance, describe, idempotency_key, schedule, spec_for
from .subscriptions import RENEWAL_EVENT, reminder_key, reminder_properties, schedule_reminder

logger = logging.getLogger("drip_plugin.scheduling")


def _claim(queryset: QuerySet, field: str, now: datetime, limit: int) -> list:
    qs = queryset.filter(**{f"{field}__lte": now}).order_by(field)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs[:limit])


def _emit(name: str, contact: Contact, properties: dict, key: str, at: datetime) -> None:
    try:
        track(name, email=contact.email, properties=properties, idempotency_key=key, occurred_at=at)
    except InvalidEvent as exc:
        # One bad row must not block the others; it is still moved on.
        logger.warning("%s for contact %s not emitted: %s", name, contact.pk, exc)


def emit_contact_dates(now: datetime, limit: int) -> int:
    """Birthdays, date rules and win-backs due at `now`; returns how many rows were handled."""
    with transaction.atomic():
        rows = _claim(ContactDate.objects.select_related("contact", "rule"), "due_at", now, limit)
        for row in rows:
            if row.kind != DateKind.WINBACK:  # win-backs are scheduled by orders, not by a date
                # Picked again now: when the tick was down and several emits came
                # due since this one, only the latest goes out.
                schedule(row, spec_for(row.contact, row.kind, row.rule), row.contact, now, not_before=row.due_at)
                if row.due_at is None or row.due_at > now:
                    continue
            name, properties = describe(row)
            _emit(name, row.contact, properties, idempotency_key(row), row.due_at)
            advance(row, now)
        ContactDate.objects.bulk_update(rows, ["occurrence", "offset", "due_at", "last_due_at"])
    return len(rows)


def emit_renewal_reminders(now: datetime, limit: int) -> int:
    """`renewal_due` for subscriptions whose next reminder is due; returns how many."""
    with transaction.atomic():
        subscriptions = _claim(Subscription.objects.select_related("contact"), "next_reminder_at", now, limit)
        for subscription in subscriptions:
            schedule_reminder(subscription, now=now, after=None,  # picked again now, as above
                              not_before=subscription.next_reminder_at)
            emitted_at = subscription.next_reminder_at
            if emitted_at is None or emitted_at > now:
                continue
            _emit(
                RENEWAL_EVENT,
                subscription.contact,
                reminder_properties(subscription),
                reminder_key(subscription),
                emitted_at,
            )
            schedule_reminder(subscription, now=now, after=emitted_at)
        Subscription.objects.bulk_update(subscriptions, ["next_reminder_at", "next_reminder_days"])
    return len(subscriptions)


def emit_due_date_events(now: datetime, batch_size: int) -> int:
    """Every date event due at `now`, in rounds of `batch_size` rows.

    Each round moves its rows past `now`, so the rounds end.
    """
    emitted = 0
    for emit in (emit_contact_dates, emit_renewal_reminders):
        while handled := emit(now, batch_size):
            emitted += handled
            if handled < batch_size:
                break
    if emitted:
        logger.info("drip tick: %s date events emitted", emitted)
    return emitted
