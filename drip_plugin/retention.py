"""Retention: raw rows older than the settings say are deleted, in batches.
What reports read is kept: the daily aggregates (StepDay, StepDayRevenue),
messages and journeys; and so are suppressions and consent proofs, which
are evidence, not activity."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.utils import timezone

from .conf import drip_settings
from .models import Enrollment, Event, MessageEvent
from .models.enrollments import EnrollmentState

logger = logging.getLogger("drip_plugin.retention")

DELETE_BATCH = 5000


@dataclass(frozen=True)
class Pruned:
    events: int
    message_events: int


def prune(now: dt.datetime | None = None) -> Pruned:
    """Delete tracked events older than RETAIN_EVENTS_DAYS (but not the one an
    active journey's emails read their cart or order from) and ESP/tracking
    events older than RETAIN_MESSAGE_EVENTS_DAYS (the aggregates keep their
    counts). A setting left at None keeps those rows for ever."""
    now = now or timezone.now()
    events = message_events = 0
    if drip_settings.RETAIN_EVENTS_DAYS is not None:
        cutoff = now - dt.timedelta(days=int(drip_settings.RETAIN_EVENTS_DAYS))
        in_use = Enrollment.objects.filter(state=EnrollmentState.ACTIVE, trigger_event__isnull=False)
        events = _delete_in_batches(Event.objects.filter(occurred_at__lt=cutoff, received_at__lt=cutoff)
                                    .exclude(pk__in=in_use.values("trigger_event_id")))
    if drip_settings.RETAIN_MESSAGE_EVENTS_DAYS is not None:
        cutoff = now - dt.timedelta(days=int(drip_settings.RETAIN_MESSAGE_EVENTS_DAYS))
        message_events = _delete_in_batches(MessageEvent.objects.filter(occurred_at__lt=cutoff))
    if events or message_events:
        logger.info("pruned %s events and %s message events", events, message_events)
    return Pruned(events, message_events)


def _delete_in_batches(rows) -> int:
    """Short transactions: a year of events is not one lock held for minutes."""
    deleted = 0
    while ids := list(rows.values_list("pk", flat=True)[:DELETE_BATCH]):
        deleted += rows.model.objects.filter(pk__in=ids).delete()[1].get(rows.model._meta.label, 0)
    return deleted
