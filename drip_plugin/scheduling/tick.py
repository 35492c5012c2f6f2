"""The periodic tick: advance due enrollments, then send due messages."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from ..analytics.experiments import record_decisions
from ..conf import drip_settings
from ..dates.emit import emit_due_date_events
from ..delivery import send_due_messages
from ..delivery.outbox import ensure_outside_transaction
from ..engine import advance_due_enrollments
from ..extensions import tick_steps

logger = logging.getLogger("drip_plugin.scheduling")


@dataclass(frozen=True)
class TickResult:
    enrollments: int  # enrollment advances: one per step taken
    sent: int
    failed: int
    retried: int = 0
    suppressed: int = 0


def tick(now: datetime | None = None, *, batch_size: int | None = None) -> TickResult:
    """Do all work due at `now` (default: the current time).

    Safe to run from several workers at once: enrollments and messages are
    claimed row by row, and a Message is unique per (enrollment, step).
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
    sending = send_due_messages(now, size)
    result = TickResult(enrollments=advanced, sent=sending.sent, failed=sending.failed,
                        retried=sending.retried, suppressed=sending.suppressed)
    if any((advanced, sending.sent, sending.failed, sending.retried, sending.suppressed)):
        logger.info("drip tick: %s", result)
    return result
