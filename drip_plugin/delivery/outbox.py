"""Sending queued Messages: reconcile dead senders, claim a batch, send, record.

State machine: queued → sending → sent | retry_scheduled (→ sending …) |
failed | suppressed. At most once: a message is handed to the ESP only by the
sender still holding its lease (checked when `handed_at` is written), and one
whose hand-over was interrupted (the sender died after `handed_at` was
written, or the connection after SMTP's end-of-data marker) is never resent.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection as db_connection, connections, transaction
from django.utils import timezone

from ..conf import drip_settings
from ..consent.suppression import email_hash
from ..analytics.aggregates import count_sent
from ..extensions import is_interruption
from ..links.instrument import instrument
from ..models import Contact, Message, Suppression
from ..models.messages import EMAIL, SENDABLE, MessageStatus
from ..rendering.messages import RenderContext, render_message
from .compose import compose
from .errors import esp_may_have_it, is_transient
from .handover import HandOverAborted, OutcomeUnknown, Send, open_hand_over

logger = logging.getLogger("drip_plugin.delivery")


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    suppressed: int = 0

    def count(self, status: str) -> None:
        """One more message settled with `status` (sent, failed, retry scheduled or suppressed)."""
        name = _COUNTERS[status]
        setattr(self, name, getattr(self, name) + 1)


def reconcile_expired_leases(now: dt.datetime) -> int:
    """Free messages whose sender died: resend those never handed over, fail
    the ones whose hand-over was cut short (the ESP may already have them)."""
    expired = Message.objects.filter(status=MessageStatus.SENDING, sending_until__lt=now)
    unknown = expired.filter(handed_at__isnull=False).update(
        status=MessageStatus.FAILED, failed_at=now, sending_until=None,
        error="outcome unknown: the sender stopped during the hand-over to the ESP; not resent to avoid a duplicate",
    )
    freed = expired.filter(handed_at__isnull=True).update(status=MessageStatus.QUEUED, sending_until=None, claim=None)
    if unknown or freed:
        logger.warning("reconciled expired leases: %s requeued, %s with unknown outcome", freed, unknown)
    return freed + unknown


def claim_due(now: dt.datetime, limit: int, due_at: dt.datetime | None = None,
              channel: str = EMAIL) -> tuple[uuid.UUID, int] | None:
    """Lease up to `limit` messages of `channel` due at `due_at` (default:
    `now`) to one new claim, until `now` + LEASE_SECONDS; returns the claim
    and how many it holds (None: nothing due)."""
    claim = uuid.uuid4()
    with transaction.atomic(durable=True):  # the lease must hold for other senders at once
        qs = (Message.objects.filter(channel=channel, status__in=SENDABLE, send_after__lte=due_at or now)
              .order_by("send_after", "pk"))
        if db_connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True)[:limit])
        if not ids:
            return None
        # The status filter keeps the claim safe without row locks too: only
        # one UPDATE can move a row out of a sendable status.
        claimed = Message.objects.filter(pk__in=ids, status__in=SENDABLE).update(
            status=MessageStatus.SENDING, claim=claim,
            sending_until=now + dt.timedelta(seconds=drip_settings.LEASE_SECONDS),
        )
    return claim, claimed


# What sending an email reads of its step: its email and its variants' emails.
EMAIL_CONTENT = ("step__email", "step__variants__email")


def leased(claim: uuid.UUID, content: tuple[str, ...] = EMAIL_CONTENT) -> list[Message]:
    """The messages still leased to `claim` (none once its lease was
    reconciled), with their step's `content` prefetched."""
    # Prefetched, a batch shares one instance of each sequence, step, email
    # and trigger event instead of building them again for every row (a
    # Wagtail snippet's __init__ is not cheap). Only the columns sending
    # reads are loaded: the rest, a dozen datetimes among them, cost a
    # third of building each row.
    return list(
        Message.objects.filter(claim=claim, status=MessageStatus.SENDING)
        .select_related("enrollment__contact")
        .only(*_SENDING_READS)
        .prefetch_related("enrollment__sequence", "enrollment__trigger_event", *content)
        .order_by("send_after", "pk")
    )


def claim_sendable(now: dt.datetime, limit: int, due_at: dt.datetime | None = None) -> list[Message]:
    """Lease up to `limit` messages due at `due_at` (default: `now`) to this
    caller only, until `now` + LEASE_SECONDS."""
    claimed = claim_due(now, limit, due_at)
    return leased(claimed[0]) if claimed else []


_SENDING_READS = [
    "enrollment", "step", "channel", "to_email", "address", "status", "token", "claim", "language", "attempts",
    "sending_until", "variant",
    "enrollment__contact", "enrollment__sequence", "enrollment__trigger_event",
    *(f"enrollment__contact__{name}" for name in (
        "email", "first_name", "last_name", "locale", "attributes", "is_subscribed",  # merge data, refusals
        "phone", "sms_consent", "time_zone")),
]


class Refusals:
    """Suppressions and opt-outs of a whole batch, read in two queries."""

    def __init__(self, batch: list[Message]):
        self.hashes = {m.to_email: email_hash(m.to_email) for m in batch}
        self.suppressed = set(
            Suppression.objects.filter(email_hash__in=self.hashes.values()).values_list("email_hash", flat=True))
        self.opted_out = set(
            Contact.opted_out_of.through.objects.filter(
                contact_id__in={m.enrollment.contact_id for m in batch}
            ).values_list("contact_id", "sequence_id")
        )

    def reason(self, message: Message) -> str | None:
        """Why this message must not go out now, if it must not."""
        contact, sequence = message.enrollment.contact, message.enrollment.sequence
        if (self.hashes.get(message.to_email) or email_hash(message.to_email)) in self.suppressed:
            return "address suppressed"
        if not contact.is_subscribed and not sequence.transactional:
            return "contact unsubscribed"
        if (contact.pk, sequence.pk) in self.opted_out:
            return "contact opted out of this sequence"
        return None


def update_if_leased(message: Message, **fields) -> None:
    # Only while the row is still ours: after a lease ran out it may be another sender's.
    Message.objects.filter(pk=message.pk, claim=message.claim).update(sending_until=None, **fields)


def backoff(attempt: int) -> dt.timedelta:
    base = drip_settings.RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    return dt.timedelta(seconds=base * random.uniform(0.75, 1.25))


@dataclass(eq=False, kw_only=True)
class Outgoing(Send):
    """A leased message rendered in the contact's language, ready to hand over."""
    message: Message
    subject: str
    language: str

    @property
    def attempt(self) -> int:
        return self.message.attempts + 1


class Refused(Exception):
    """The contact must not get this message now (suppressed, unsubscribed, opted out)."""


class BatchContext(RenderContext):
    """What the messages of a claimed batch share, looked up once for all:
    what rendering them shares, and who must not be mailed."""

    @functools.cached_property  # (rendering alone, as the web version does, needs none)
    def refusals(self) -> Refusals:
        return Refusals(self.messages)


def prepare_message(message: Message, batch: BatchContext, meanwhile: Callable[[], None] = lambda: None) -> Outgoing:
    """Render and compose one leased message; raises Refused or the rendering
    problem. `meanwhile()` runs between the stages: the sender moves its
    connections on there (a reply waiting for the whole message to be made
    leaves its connection idle)."""
    refusal = batch.refusals.reason(message)
    if refusal:
        raise Refused(refusal)
    email, links, rendered = render_message(message, batch)
    meanwhile()
    if drip_settings.TRACKING:
        rendered = dataclasses.replace(
            rendered, html=instrument(rendered.html, message, skip=set(links.values()), links=batch.email_links))
    composed = compose(message, rendered, links)
    meanwhile()
    return Outgoing(email=composed, message=message, subject=rendered.subject, language=email.locale.language_code)


def record_failure(message: Message, attempt: int, exc: BaseException, now: dt.datetime) -> str:
    """Schedule a retry for a transient failure, else fail the message; return its status."""
    if isinstance(exc, Refused):
        update_if_leased(message, status=MessageStatus.SUPPRESSED, error=str(exc))
        return MessageStatus.SUPPRESSED
    reason = f"{type(exc).__name__}: {exc}"[:2000]
    if isinstance(exc, OutcomeUnknown) or esp_may_have_it(exc):  # the server may have it: never resend
        logger.warning("drip message %s to %s: outcome unknown: %s", message.pk, message.recipient, exc)
        update_if_leased(message, status=MessageStatus.FAILED, attempts=attempt, failed_at=now,
                error=f"outcome unknown: the connection failed after the message was handed over ({exc}); "
                      "not resent to avoid a duplicate"[:2000])
        return MessageStatus.FAILED
    if is_transient(exc) and attempt < drip_settings.MAX_ATTEMPTS:
        logger.warning("drip message %s: attempt %s failed, will retry: %s", message.pk, attempt, reason)
        update_if_leased(message, status=MessageStatus.RETRY_SCHEDULED, attempts=attempt, handed_at=None,
                send_after=now + backoff(attempt), error=reason)
        return MessageStatus.RETRY_SCHEDULED
    logger.warning("drip message %s to %s failed: %s", message.pk, message.recipient, reason)
    update_if_leased(message, status=MessageStatus.FAILED, attempts=attempt, handed_at=None, failed_at=now,
                     error=reason)
    return MessageStatus.FAILED


# The hot path of sending writes each message twice (handed over, then
# sent); through the ORM each UPDATE costs ~0.2 ms of Python, several times
# the database's own work, so these two are plain SQL — on the connection
# looked up once per statement (`django.db.connection` looks it up again
# at every use).

@functools.cache  # quoting is the same for every message of one database vendor
def _quoted_column(vendor: str, name: str) -> str:
    field = Message._meta.pk if name == "pk" else Message._meta.get_field(name)
    return db_connection.ops.quote_name(field.column)


def _quoted_names(connection) -> tuple[str, Callable[[str], str]]:
    """Message's table and a field name -> its column, quoted for `connection`."""
    return connection.ops.quote_name(Message._meta.db_table), functools.partial(_quoted_column, connection.vendor)


class _DbValues:
    """Values as `connection` stores them in Message's fields. Only datetimes
    and UUIDs need adapting, and those repeat from row to row (the round's
    time, the batch's claim): each is adapted once."""

    def __init__(self, connection):
        self.connection, self.adapted = connection, {}

    def __call__(self, name: str, value):
        if not isinstance(value, (dt.datetime, uuid.UUID)):  # strings, ints and None go as they are
            return value
        key = (name, value)
        if key not in self.adapted:
            self.adapted[key] = Message._meta.get_field(name).get_db_prep_save(value, self.connection)
        return self.adapted[key]


def _update_each(fields: list[str], rows: list[tuple[Message, list]]) -> None:
    """UPDATE each message's `fields` to its own values (while it is still
    this sender's claim), in one executemany."""
    connection = connections[DEFAULT_DB_ALIAS]
    table, column = _quoted_names(connection)
    sql = (f"UPDATE {table} SET " + ", ".join(f"{column(name)} = %s" for name in fields)
           + f" WHERE {column('pk')} = %s AND {column('claim')} = %s")
    db_value = _DbValues(connection)
    params = [[*map(db_value, fields, values), message.pk, db_value("claim", message.claim)]
              for message, values in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _mark_handed(pks: list[int], claim: uuid.UUID, at: dt.datetime) -> int:
    """Set handed_at and count the attempt of those of `pks` still leased to
    `claim` at `at`; returns how many."""
    connection = connections[DEFAULT_DB_ALIAS]
    (table, column), db_value = _quoted_names(connection), _DbValues(connection)
    attempts = column("attempts")
    sql = (f"UPDATE {table} SET {column('handed_at')} = %s, {attempts} = {attempts} + 1"
           f" WHERE {column('pk')} IN ({', '.join(['%s'] * len(pks))}) AND {column('claim')} = %s"
           f" AND {column('status')} = %s AND {column('sending_until')} > %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [db_value("handed_at", timezone.now()), *pks, db_value("claim", claim),
                             MessageStatus.SENDING, db_value("sending_until", at)])
        return cursor.rowcount


_SENT_FIELDS = ["status", "attempts", "subject", "sent_at", "error", "language", "esp_message_id", "sending_until"]


def record_sent(sent: list[Outgoing]) -> None:
    now = timezone.now()
    _update_each(_SENT_FIELDS, [
        (o.message, [MessageStatus.SENT, o.attempt, o.subject[:255], now, "", o.language,
                     str(getattr(getattr(o.email, "anymail_status", None), "message_id", None) or "")[:255], None])
        for o in sent
    ])
    count_sent([o.message for o in sent], now)


def record_handed(handing: list[Outgoing], at: dt.datetime) -> set[Outgoing]:
    """Mark messages handed over — before the ESP can have them, so that a
    sender dying after this never resends them (see reconcile_expired_leases).
    Returns those still leased to this sender at `at`; the others must not go."""
    allowed: set[Outgoing] = set()
    for claim in {o.message.claim for o in handing}:
        mine = {o.message.pk: o for o in handing if o.message.claim == claim}
        if _mark_handed(list(mine), claim, at) < len(mine):
            lost = set(mine) - set(Message.objects.filter(
                pk__in=mine, claim=claim, status=MessageStatus.SENDING, handed_at__isnull=False,
            ).values_list("pk", flat=True))
            logger.warning("drip messages %s: lease ran out before the hand-over; left to their new sender",
                           sorted(lost))
            mine = {pk: o for pk, o in mine.items() if pk not in lost}
        allowed.update(mine.values())
    return allowed


class _Pacer:
    """Spaces sends to at most RATE_LIMIT per second (per sender)."""

    def __init__(self, rate: float | None):
        self.interval = 1.0 / rate if rate else 0.0
        self.last = 0.0

    def wait(self, meanwhile: Callable[[float], None]) -> None:
        """Return when the next send may start; `meanwhile(seconds)` fills the pause."""
        if self.interval:
            while (delay := self.last + self.interval - time.monotonic()) > 0:
                meanwhile(delay)
            self.last = time.monotonic()


def batch_limit(limit: int) -> int:
    """With a rate limit, claim no more than half a lease's worth of sends."""
    if drip_settings.RATE_LIMIT:
        return max(1, min(limit, int(drip_settings.RATE_LIMIT * drip_settings.LEASE_SECONDS / 2)))
    return limit


def ensure_outside_transaction() -> None:
    """Sending commits each hand-over before its email leaves; inside the
    caller's transaction a rollback would undo it, and the email go twice."""
    try:
        with transaction.atomic(durable=True):  # Django's own test of "no transaction around us"
            pass
    except RuntimeError as exc:
        raise RuntimeError(
            "drip_plugin sends outside any transaction: call tick() / send_due_messages() outside "
            "transaction.atomic() (in a test, use django_db(transaction=True))"
        ) from exc


class _Sender:
    """Sends leased batches over one hand-over (SEND_CONNECTIONS connections)
    and records each outcome; `result` counts them."""

    def __init__(self, now: dt.datetime):
        self.now, self.started = now, time.monotonic()
        self.result = SendResult()
        self.pacer = _Pacer(drip_settings.RATE_LIMIT)
        self.lease_lost = False
        self.hand_over_failure: BaseException | None = None
        self.hand_over = open_hand_over(drip_settings.EMAIL_BACKEND, drip_settings.SEND_CONNECTIONS, self.record)

    def __enter__(self) -> _Sender:
        return self

    def __exit__(self, *exc_info) -> None:
        self.hand_over.close()

    def clock(self) -> dt.datetime:
        """`now`, moved on by the time this sender has taken."""
        return self.now + dt.timedelta(seconds=time.monotonic() - self.started)

    def record(self, handing: list[Outgoing], done: list[Outgoing]) -> set[Outgoing]:
        sent = [o for o in done if o.error is None]
        failed = [o for o in done if o.error is not None and not isinstance(o.error, HandOverAborted)]
        unsent = [o for o in done if isinstance(o.error, HandOverAborted)]
        # durable: handed_at must be committed before the message may leave,
        # not a savepoint an outer transaction could still roll back.
        with transaction.atomic(durable=True):
            allowed = record_handed(handing, self.clock()) if handing else set()
            if sent:
                record_sent(sent)
            outcomes = [record_failure(o.message, o.attempt, o.error, self.now) for o in failed]
            for o in unsent:  # never left: free it at once (if it is still ours)
                update_if_leased(o.message, status=MessageStatus.QUEUED, handed_at=None, claim=None)
        self.lease_lost = self.lease_lost or len(allowed) < len(handing)
        self.result.sent += len(sent)
        for outcome in outcomes:
            self.result.count(outcome)
        return allowed

    def service_meanwhile(self) -> None:
        """hand_over.service() while a message is prepared; what it raises
        is the sender's failure, not that message's."""
        try:
            self.hand_over.service()
        except BaseException as exc:
            self.hand_over_failure = exc
            raise

    def send(self, batch: list[Message]) -> None:
        """Prepare and hand over each message of a leased batch; return once all are settled."""
        context = BatchContext(batch)
        lease_ends = batch[0].sending_until if batch else None
        for message in batch:
            if self.lease_lost or self.clock() >= lease_ends:
                # The rest is another sender's now, or will be after the next
                # reconcile: stop dialling for messages that may not go.
                logger.warning("drip sender outlived its lease; %s messages left for the next tick",
                               len(batch) - batch.index(message))
                break
            try:
                outgoing = prepare_message(message, context, self.service_meanwhile)
            except Exception as exc:  # one bad message must never abort the batch
                if exc is self.hand_over_failure or is_interruption(exc):
                    raise  # the sender's failure, or a stop (e.g. Celery's time limit): not the message's
                self.result.count(record_failure(message, message.attempts + 1, exc, self.now))
                continue
            self.pacer.wait(lambda seconds: self.hand_over.service(timeout=seconds))
            self.hand_over.submit(outgoing)
            self.hand_over.service()
        self.hand_over.drain()


def send_due_messages(now: dt.datetime, limit: int) -> SendResult:
    """Send every due message, `limit` claimed at a time, over SEND_CONNECTIONS connections."""
    ensure_outside_transaction()
    reconcile_expired_leases(now)
    limit = batch_limit(limit)
    with _Sender(now) as sender:
        while batch := claim_sendable(sender.clock(), limit, due_at=now):
            sender.send(batch)
            if len(batch) < limit or sender.lease_lost:
                break
    return sender.result


def send_claimed(claim: uuid.UUID, now: dt.datetime) -> SendResult:
    """Send the messages still leased to `claim` (a batch the tick claimed
    and handed to a worker: see dispatch_due_messages)."""
    ensure_outside_transaction()
    with _Sender(now) as sender:
        sender.send(leased(claim))
    return sender.result


def dispatch_due_messages(now: dt.datetime, limit: int, hand_over: Callable[[uuid.UUID], None],
                          channel: str = EMAIL) -> int:
    """Claim due messages of `channel`, `limit` at a time, and pass each claim to
    `hand_over` (which queues a worker task for it), at most
    WORKER_BATCHES_PER_TICK claims; returns how many messages were claimed.
    A claim whose task starts after its lease ran out finds nothing: the
    next tick's reconcile has freed its messages for a new claim."""
    ensure_outside_transaction()
    reconcile_expired_leases(now)
    limit, total = batch_limit(limit), 0
    for _ in range(drip_settings.WORKER_BATCHES_PER_TICK):
        if not (claimed := claim_due(now, limit, channel=channel)):
            break
        claim, count = claimed
        if count:  # (0: another sender took them between the select and the update)
            hand_over(claim)
            total += count
    return total


_COUNTERS = {MessageStatus.SENT: "sent", MessageStatus.FAILED: "failed",
             MessageStatus.RETRY_SCHEDULED: "retried", MessageStatus.SUPPRESSED: "suppressed"}
