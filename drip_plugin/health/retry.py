"""Retry of failed messages: back to the queue with attempts reset. One whose
outcome is unknown (the ESP may have it) is retried only when the caller
confirms the risk of a duplicate."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from ..models import Message
from ..models.messages import MessageStatus
from .figures import is_outcome_unknown

logger = logging.getLogger("drip_plugin.health")


@dataclass(frozen=True)
class RetryResult:
    requeued: int
    # Outcome-unknown messages left failed for want of a confirmation.
    kept_outcome_unknown: int


def retry_failed(message_ids: Iterable[int], now: dt.datetime, *, confirm_duplicate_risk: bool = False,
                 actor: str = "") -> RetryResult:
    failed = Message.objects.filter(pk__in=list(message_ids), status=MessageStatus.FAILED)
    with transaction.atomic():
        kept = 0
        if not confirm_duplicate_risk:
            kept = failed.filter(is_outcome_unknown()).count()
            failed = failed.exclude(is_outcome_unknown())
        requeued = failed.update(status=MessageStatus.QUEUED, attempts=0, send_after=now, handed_at=None,
                                 failed_at=None, claim=None, sending_until=None, error="")
    logger.warning("%s requeued %s failed messages (%s of unknown outcome kept failed, duplicate risk confirmed: %s)",
                   actor or "someone", requeued, kept, confirm_duplicate_risk)
    return RetryResult(requeued=requeued, kept_outcome_unknown=kept)
