"""Retention: raw rows older than the settings say are deleted or compacted,
in batches. Every report reads the same before and after: the sequence
report and the dashboard read the daily aggregates (StepDay,
StepDayRevenue, SequenceDay…), which are kept; the all-time report, the
flow and the goal figures count messages, journeys and "messages opened /
clicked / bounced…", so messages and journeys are compacted, never deleted,
and each message keeps the first of its events of each kind. Suppressions
and consent proofs are evidence, not activity: never pruned."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .conf import drip_settings
from .ingest.contact_import import delete_unconfirmed_uploads, fail_stalled_imports
from .models import Enrollment, Event, Message, MessageEvent
from .models.enrollments import EnrollmentState
from .models.messages import MessageStatus

logger = logging.getLogger("drip_plugin.retention")

BATCH = 5000
FINISHED_MESSAGES = [MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.SUPPRESSED]
FINISHED_JOURNEYS = [EnrollmentState.COMPLETED, EnrollmentState.EXITED]


@dataclass(frozen=True)
class Pruned:
    events: int
    message_events: int
    messages_compacted: int
    journeys_compacted: int
    imports_stalled: int = 0  # contact imports whose worker was lost, now failed
    uploads_deleted: int = 0  # contact import files never confirmed


def prune(now: dt.datetime | None = None) -> Pruned:
    """Apply RETAIN_EVENTS_DAYS, RETAIN_MESSAGE_EVENTS_DAYS and
    RETAIN_DETAILS_DAYS at `now` (a setting left at None keeps those rows
    as they are for ever), and tidy contact imports: fail those whose worker
    was lost, delete uploads never confirmed (personal data)."""
    now = now or timezone.now()
    pruned = Pruned(
        events=_if_set("RETAIN_EVENTS_DAYS", now, prune_events),
        message_events=_if_set("RETAIN_MESSAGE_EVENTS_DAYS", now, prune_message_events),
        messages_compacted=_if_set("RETAIN_DETAILS_DAYS", now, compact_messages),
        journeys_compacted=_if_set("RETAIN_DETAILS_DAYS", now, compact_journeys),
        imports_stalled=fail_stalled_imports(now),
        uploads_deleted=delete_unconfirmed_uploads(now),
    )
    if any(vars(pruned).values()):
        logger.info("pruned %s", pruned)
    return pruned


def _if_set(setting: str, now: dt.datetime, apply) -> int:
    days = getattr(drip_settings, setting)
    return 0 if days is None else apply(now - dt.timedelta(days=int(days)))


def prune_events(cutoff: dt.datetime) -> int:
    """Delete tracked events from before `cutoff`, but not the one an active
    journey's emails read their cart or order from."""
    in_use = Enrollment.objects.filter(state=EnrollmentState.ACTIVE, trigger_event__isnull=False)
    return _delete(Event.objects.filter(occurred_at__lt=cutoff, received_at__lt=cutoff)
                   .exclude(pk__in=in_use.values("trigger_event_id")))


def prune_message_events(cutoff: dt.datetime) -> int:
    """Delete ESP/tracking events from before `cutoff` except the first of
    each kind (type, flagged or not) of each message: reports count messages
    opened, clicked, bounced…, and a later open must still find the message's
    first one (aggregates.py counts "opened" once per message). Events that
    match no message are counted by no report: deleted."""
    earlier_same_kind = MessageEvent.objects.filter(message_id=OuterRef("message_id"),
                                                    event_type=OuterRef("event_type"), flag=OuterRef("flag"),
                                                    pk__lt=OuterRef("pk"))
    return _delete(MessageEvent.objects.filter(occurred_at__lt=cutoff)
                   .filter(Q(message__isnull=True) | Exists(earlier_same_kind)))


def compact_messages(cutoff: dt.datetime) -> int:
    """Blank what no report reads of messages finished before `cutoff`:
    the subject, the ESP's message id (its events have long arrived), the
    sender's claim. Status, step, variant, dates and revenue stay. (drip
    stores no rendered body: the web version renders it again.)"""
    details = Q(subject__gt="") | Q(esp_message_id__gt="") | Q(claim__isnull=False)
    return _update(Message.objects.filter(details, status__in=FINISHED_MESSAGES, created_at__lt=cutoff),
                   subject="", esp_message_id="", claim=None)


def compact_journeys(cutoff: dt.datetime) -> int:
    """Blank the object key (which cart or order) and the exit reason of
    journeys ended before `cutoff`; the aggregates keep exits by reason."""
    details = Q(object_key__gt="") | Q(exit_reason__gt="")
    return _update(Enrollment.objects.filter(details, state__in=FINISHED_JOURNEYS, ended_at__lt=cutoff),
                   object_key="", exit_reason="")


def _batches(rows):
    """`rows`, BATCH at a time in primary key order, each batch acted on by
    the caller before the next is read: short transactions, not one lock
    held for minutes over a year of rows. Each batch starts after the last
    one's rows, so rows compacted already are not read again."""
    last = 0
    while ids := list(rows.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]):
        last = ids[-1]
        yield rows.model.objects.filter(pk__in=ids)


def _delete(rows) -> int:
    return sum(batch.delete()[1].get(rows.model._meta.label, 0) for batch in _batches(rows))


def _update(rows, **blanks) -> int:
    return sum(batch.update(**blanks) for batch in _batches(rows))
