"""Sending queued Messages: reconcile dead senders, claim a batch, send, record.

State machine: queued → sending → sent | retry_scheduled (→ sending …) |
failed | suppressed. At most once: a message is handed to the ESP only by the
sender holding its lease, and one whose hand-over was interrupted (the sender
died after `handed_at` was written) is never resent.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
import time
import uuid
from dataclasses import dataclass

from django.core.mail import get_connection
from django.db import connection as db_connection, transaction
from django.utils import timezone

from ..conf import drip_settings
from ..engine.variants import email_of
from ..models import Contact, Message, Suppression
from ..models.messages import SENDABLE, MessageStatus
from ..rendering import TemplateProblem, render_email
from ..rendering.context import merge_context
from ..rendering.languages import Translations, email_for_locale
from .compose import compose
from .errors import is_transient
from .instrument import instrument
from .links import message_links
from .suppression import email_hash

logger = logging.getLogger("drip_plugin.delivery")


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    suppressed: int = 0


def reconcile_expired_leases(now: dt.datetime) -> int:
    """Free messages whose sender died: resend those never handed over, fail
    the ones whose hand-over was cut short (the ESP may already have them)."""
    expired = Message.objects.filter(status=MessageStatus.SENDING, sending_until__lt=now)
    unknown = expired.filter(handed_at__isnull=False).update(
        status=MessageStatus.FAILED, sending_until=None,
        error="outcome unknown: the sender stopped during the hand-over to the ESP; not resent to avoid a duplicate",
    )
    freed = expired.filter(handed_at__isnull=True).update(status=MessageStatus.QUEUED, sending_until=None, claim=None)
    if unknown or freed:
        logger.warning("reconciled expired leases: %s requeued, %s with unknown outcome", freed, unknown)
    return freed + unknown


def claim_sendable(now: dt.datetime, limit: int) -> list[Message]:
    """Lease up to `limit` due messages to this caller only."""
    claim = uuid.uuid4()
    with transaction.atomic():
        qs = Message.objects.filter(status__in=SENDABLE, send_after__lte=now).order_by("send_after", "pk")
        if db_connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        # The status filter keeps the claim safe without row locks too: only
        # one UPDATE can move a row out of a sendable status.
        Message.objects.filter(pk__in=ids, status__in=SENDABLE).update(
            status=MessageStatus.SENDING, claim=claim,
            sending_until=now + dt.timedelta(seconds=drip_settings.LEASE_SECONDS),
        )
    return list(
        Message.objects.filter(claim=claim, status=MessageStatus.SENDING)
        .select_related("enrollment__contact", "enrollment__sequence", "enrollment__trigger_event", "step__email",
                        "step__variant_email")
        .order_by("send_after", "pk")
    )


class Refusals:
    """Suppressions and opt-outs of a whole batch, read in two queries."""

    def __init__(self, batch: list[Message]):
        hashes = {email_hash(m.to_email) for m in batch}
        self.suppressed = set(Suppression.objects.filter(email_hash__in=hashes).values_list("email_hash", flat=True))
        self.opted_out = set(
            Contact.opted_out_of.through.objects.filter(
                contact_id__in={m.enrollment.contact_id for m in batch}
            ).values_list("contact_id", "sequence_id")
        )

    def reason(self, message: Message) -> str | None:
        """Why this message must not go out now, if it must not."""
        contact, sequence = message.enrollment.contact, message.enrollment.sequence
        if email_hash(message.to_email) in self.suppressed:
            return "address suppressed"
        if not contact.is_subscribed and not sequence.transactional:
            return "contact unsubscribed"
        if (contact.pk, sequence.pk) in self.opted_out:
            return "contact opted out of this sequence"
        return None


def _record(message: Message, **fields) -> None:
    Message.objects.filter(pk=message.pk).update(sending_until=None, **fields)


def backoff(attempt: int) -> dt.timedelta:
    base = drip_settings.RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    return dt.timedelta(seconds=base * random.uniform(0.75, 1.25))


def send_message(message: Message, connection, now: dt.datetime, refusals: Refusals | None = None,
                 translations: Translations | None = None) -> str:
    """Send one leased message in the contact's language; record and return its new status."""
    refusal = (refusals or Refusals([message])).reason(message)
    if refusal:
        _record(message, status=MessageStatus.SUPPRESSED, error=refusal)
        return MessageStatus.SUPPRESSED
    attempt = message.attempts + 1
    enrollment = message.enrollment
    event = enrollment.trigger_event
    try:
        if message.step is None or message.step.email is None:
            raise TemplateProblem("the step or its email was deleted before the message went out")
        chosen = email_of(message)
        if not chosen.live:
            raise TemplateProblem(f"email {chosen.name!r} is not published")
        locale = enrollment.contact.locale
        email = translations.pick(chosen, locale) if translations else email_for_locale(chosen, locale)
        links = message_links(message)
        rendered = render_email(
            email,
            merge_context(enrollment.contact, event_properties=event.properties if event else None, links=links),
        )
        if drip_settings.TRACKING:
            html = instrument(rendered.html, message, skip=set(links.values()))
            rendered = dataclasses.replace(rendered, html=html)
        outgoing = compose(message, rendered, links, connection)
        Message.objects.filter(pk=message.pk).update(handed_at=timezone.now(), attempts=attempt)
        outgoing.send()
    except Exception as exc:  # one bad message must never abort the batch
        reason = f"{type(exc).__name__}: {exc}"[:2000]
        if is_transient(exc) and attempt < drip_settings.MAX_ATTEMPTS:
            logger.warning("drip message %s: attempt %s failed, will retry: %s", message.pk, attempt, reason)
            _record(message, status=MessageStatus.RETRY_SCHEDULED, attempts=attempt, handed_at=None,
                    send_after=now + backoff(attempt), error=reason)
            return MessageStatus.RETRY_SCHEDULED
        logger.warning("drip message %s to %s failed: %s", message.pk, message.to_email, reason)
        _record(message, status=MessageStatus.FAILED, attempts=attempt, handed_at=None, error=reason)
        return MessageStatus.FAILED
    status = getattr(outgoing, "anymail_status", None)
    _record(
        message, status=MessageStatus.SENT, subject=rendered.subject[:255], sent_at=timezone.now(), error="",
        language=email.locale.language_code,
        esp_message_id=str(getattr(status, "message_id", None) or "")[:255],
    )
    return MessageStatus.SENT


class _Pacer:
    """Spaces sends to at most RATE_LIMIT per second (per sender)."""

    def __init__(self, rate: float | None):
        self.interval = 1.0 / rate if rate else 0.0
        self.last = 0.0

    def wait(self) -> None:
        if self.interval:
            delay = self.last + self.interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.last = time.monotonic()


def send_due_messages(now: dt.datetime, limit: int) -> SendResult:
    result = SendResult()
    reconcile_expired_leases(now)
    connection = get_connection(drip_settings.EMAIL_BACKEND)
    pacer = _Pacer(drip_settings.RATE_LIMIT)
    counters = {MessageStatus.SENT: "sent", MessageStatus.FAILED: "failed",
                MessageStatus.RETRY_SCHEDULED: "retried", MessageStatus.SUPPRESSED: "suppressed"}
    while batch := claim_sendable(now, limit):
        refusals = Refusals(batch)
        translations = Translations(email_of(m) for m in batch if m.step and email_of(m))
        with connection:
            for message in batch:
                pacer.wait()
                outcome = send_message(message, connection, now, refusals, translations)
                setattr(result, counters[outcome], getattr(result, counters[outcome]) + 1)
        if len(batch) < limit:
            break
    return result
