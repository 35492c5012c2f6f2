"""The periodic tick: advance due enrollments, then send due messages."""
from __future__ import annotations

import functools
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from uuid import UUID

from django.utils import timezone

from ..analytics.experiments import record_decisions
from ..conf import drip_settings
from ..dates.emit import emit_due_date_events
from ..channels.registry import channels
from ..delivery.outbox import ensure_outside_transaction
from ..engine import advance_due_enrollments
from ..extensions import tick_steps
from ..models.messages import EMAIL

logger = logging.getLogger("drip_plugin.scheduling")


@dataclass(frozen=True)
class TickResult:
    enrollments: int  # enrollment advances: one per step taken
    sent: int
    failed: int
    retried: int = 0
    suppressed: int = 0
    dispatched: int = 0  # messages claimed and queued for workers (SEND_IN_WORKERS)


def tick(now: datetime | None = None, *, batch_size: int | None = None) -> TickResult:
    """Do all work due at `now` (default: the current time).

    Safe to run from several workers at once: enrollments and messages are
    claimed row by row, and a Message is unique per (enrollment, step).
    With SEND_IN_WORKERS, the due messages are claimed here and sent by
    Celery workers, one task per claim.
    """
    ensure_outside_transaction()  # before any work, not only before sending
    now = now or timezone.now()
    size = batch_size or drip_settings.BATCH_SIZE
    for step in tick_steps():  # registered by contrib apps, e.g. Saleor webhooks whose task was lost
        step(now, size)
    emit_due_date_events(now, size)  # birthdays, date rules, win-back, renewals
    record_decisions(now)  # experiments at their horizon; an auto-winner counts for the steps taken next
    advanced = 0
    # Until a round finds nothing: a step that becomes due at once (no wait)
    # goes out in the same tick. Each round moves every row it takes forward,
    # so this ends.
    while handled := advance_due_enrollments(now, size):
        advanced += handled
    # Each channel sends its own due messages (the email outbox, SMS, …).
    if drip_settings.SEND_IN_WORKERS:
        dispatched = sum(channel.dispatch_due(now, size, functools.partial(queue_send_batch, channel=channel.name))
                         for channel in channels())
        result = TickResult(enrollments=advanced, sent=0, failed=0, dispatched=dispatched)
    else:
        sending = [channel.send_due(now, size) for channel in channels()]
        result = TickResult(enrollments=advanced, sent=sum(s.sent for s in sending),
                            failed=sum(s.failed for s in sending), retried=sum(s.retried for s in sending),
                            suppressed=sum(s.suppressed for s in sending))
    if any(value for value in asdict(result).values()):
        logger.info("drip tick: %s", result)
    return result


def queue_send_batch(claim: UUID, channel: str = EMAIL) -> None:
    """Queue the Celery task that sends the messages of `channel` leased to `claim`."""
    from ..tasks import send_batch  # (tasks imports this module)

    send_batch.delay(str(claim), channel)
