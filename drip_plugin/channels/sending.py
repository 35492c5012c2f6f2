"""Sending for channels whose provider takes one message per call (SMS, web
push): the outbox's claims, leases, hand-over record and failure rules, with
the channel's own `prepare` and `deliver`.

At most once, as for email: a message's hand-over (`handed_at`) is committed
before its provider call; a call that went out and got no answer (a read
timeout), or a provider error that may have come after it accepted the
message, fails it with "outcome unknown" and it is never resent.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import ClassVar

from django.db import transaction
from django.utils import timezone

from ..analytics.aggregates import count_sent
from ..delivery import outbox
from ..delivery.outbox import Refused, SendResult, record_failure, record_handed, update_if_leased
from ..extensions import is_interruption
from ..models import Message
from ..models.messages import MessageStatus
from .base import Channel

logger = logging.getLogger("drip_plugin.delivery")


@dataclass(eq=False)
class Prepared:
    """A leased message made ready for its provider."""
    message: Message
    body: str  # what the provider gets: the SMS text, the push payload…
    subject: str = ""  # what the contact's timeline and the outbox show for it (Message.subject)

    @property
    def attempt(self) -> int:
        return self.message.attempts + 1


class ProviderChannel(Channel):
    """A channel that sends each message with one provider call. Subclasses
    give `content`, `prepare` and `deliver`, and may refuse a message at
    send time (`refusal`)."""

    # The step's relations its messages read, prefetched per batch, e.g. ("step__sms",).
    content: ClassVar[tuple[str, ...]]

    def refusal(self, message: Message) -> str | None:
        """Why `message` must not go now though it was queued (the contact
        withdrew consent since…); None: it may go."""
        return None

    def prepare(self, message: Message) -> Prepared:
        """Render `message` for its contact; raises TemplateProblem (fails that message)."""
        raise NotImplementedError

    def deliver(self, prepared: Prepared) -> str:
        """Hand `prepared` to the provider; returns the provider's id for it.
        Raises ProviderRefused when the provider answered with an error, or
        OutcomeUnknown / the HTTP library's error when the answer is unknown."""
        raise NotImplementedError

    def send_due(self, now, limit):
        outbox.ensure_outside_transaction()
        outbox.reconcile_expired_leases(now)
        result = SendResult()
        while claimed := outbox.claim_due(now, limit, channel=self.name):
            self._send(outbox.leased(claimed[0], self.content), now, result)
            if claimed[1] < limit:
                break
        return result

    def send_claimed(self, claim: uuid.UUID, now: dt.datetime) -> SendResult:
        outbox.ensure_outside_transaction()
        result = SendResult()
        self._send(outbox.leased(claim, self.content), now, result)
        return result

    def dispatch_due(self, now, limit, hand_over):
        return outbox.dispatch_due_messages(now, limit, hand_over, channel=self.name)

    def _send(self, batch: list[Message], now: dt.datetime, result: SendResult) -> None:
        started = timezone.now()
        for index, message in enumerate(batch):
            clock = now + (timezone.now() - started)
            if clock >= message.sending_until:
                logger.warning("drip %s sender outlived its lease; %s messages left for the next tick",
                               self.name, len(batch) - index)
                return
            try:
                if why := self.refusal(message):
                    raise Refused(why)
                prepared = self.prepare(message)
            except Exception as exc:  # one bad message must never abort the batch
                if is_interruption(exc):
                    raise
                result.count(record_failure(message, message.attempts + 1, exc, now))
                continue
            # The commit point: recorded (durably) before the provider can have it.
            with transaction.atomic(durable=True):
                if not record_handed([prepared], clock):
                    return  # the lease ran out: the rest is another sender's
            try:
                provider_id = self.deliver(prepared)
            except Exception as exc:
                if is_interruption(exc):
                    raise  # handed over: the lease expiry settles it as outcome unknown
                with transaction.atomic(durable=True):
                    result.count(record_failure(message, prepared.attempt, exc, now))
                continue
            with transaction.atomic(durable=True):
                sent_at = timezone.now()
                update_if_leased(message, status=MessageStatus.SENT, attempts=prepared.attempt, sent_at=sent_at,
                                 error="", esp_message_id=provider_id[:255], subject=prepared.subject[:255])
                count_sent([message], sent_at)
            result.sent += 1
