"""Daily counts per (sequence, step, variant) and per sequence (journeys
entered, exited by reason), kept as things happen.

Each recorded send, tracking event or conversion adds to its day's row with
one UPDATE … SET n = n + 1 (or inserts the row; a concurrent insert of the
same row makes the loser update instead), so counts stay exact under
concurrent workers on PostgreSQL. `backfill` rebuilds them from the stored
messages and events with the same rules (`bucket` below), which is what the
tests compare.

A day is a date in the site's TIME_ZONE: a send at 23:30 in Paris counts on
that Paris date, whatever UTC says. Conversions and revenue count on the day
their message was sent (the order's own date is not stored with the credit).
"""
from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter, defaultdict
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q, Subquery, Sum
from django.db.models.functions import TruncDate

from ..models import Enrollment, Message, MessageEvent, SequenceDay, SequenceDayExit, Step, StepDay, StepDayRevenue
from ..models.enrollments import EnrollmentState
from ..models.messages import MessageStatus

# event_type → StepDay counter of honest events (flagged ones: "<counter>_flagged").
EVENT_COUNTERS = {"delivered": "delivered", "opened": "opens", "clicked": "clicks"}
# event_type → StepDay counter of messages engaged for the first time.
FIRST_COUNTERS = {"opened": "opened", "clicked": "clicked"}


class Bucket(NamedTuple):
    sequence_id: int
    step_id: int
    variant: str
    day: dt.date


def site_day(instant: dt.datetime) -> dt.date:
    """The date of `instant` in the site's TIME_ZONE (not the active one)."""
    return instant.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def start_of_day(day: dt.date) -> dt.datetime:
    """The first instant of `day` in the site's TIME_ZONE."""
    return dt.datetime.combine(day, dt.time.min, zoneinfo.ZoneInfo(settings.TIME_ZONE))


def bucket(sequence_id: int, step_id: int, variant: str, instant: dt.datetime) -> Bucket:
    return Bucket(sequence_id, step_id, variant, site_day(instant))


def _add(model, key: dict, amounts: dict) -> None:
    increments = {name: F(name) + amount for name, amount in amounts.items()}
    if model.objects.filter(**key).update(**increments):
        return
    try:
        with transaction.atomic():
            model.objects.create(**key, **amounts)
    except IntegrityError:  # another worker inserted it meanwhile: add to theirs
        model.objects.filter(**key).update(**increments)


def add_counts(where: Bucket, **amounts: int) -> None:
    _add(StepDay, where._asdict(), amounts)


def add_revenue(where: Bucket, currency: str, amount: Decimal) -> None:
    _add(StepDayRevenue, {**where._asdict(), "currency": currency}, {"amount": amount})


def count_entered(sequence_id: int, enrolled_at: list[dt.datetime]) -> None:
    """Journeys of the sequence begun at these instants: one write per site day."""
    for day, count in Counter(site_day(at) for at in enrolled_at).items():
        _add(SequenceDay, {"sequence_id": sequence_id, "day": day}, {"entered": count})


def count_exited(sequence_id: int, reason: str, day: dt.date, count: int) -> None:
    """`count` journeys of the sequence exited on `day` (a site_day) for `reason`."""
    if count:
        _add(SequenceDayExit, {"sequence_id": sequence_id, "day": day, "reason": reason}, {"exited": count})


def _sequence_of_steps(step_ids) -> dict[int, int]:
    return dict(Step.objects.filter(pk__in=set(step_ids)).values_list("pk", "sequence_id"))


def count_sent(messages: list[Message], sent_at: dt.datetime) -> None:
    """Messages just recorded sent (one hand-over round of the sender, which
    loaded their steps): one write per (step, variant), no read."""
    per_bucket = Counter(bucket(m.step.sequence_id, m.step_id, m.variant, sent_at)
                         for m in messages if m.step_id is not None)
    for where, count in per_bucket.items():
        add_counts(where, sent=count)


def _first_of_its_kind(event: MessageEvent) -> bool:
    """No other honest event of this type for this message. The message row
    is locked first, so two first opens at once are counted once."""
    list(Message.objects.select_for_update(no_key=True).filter(pk=event.message_id).values_list("pk"))
    return not (MessageEvent.objects.filter(message_id=event.message_id, event_type=event.event_type, flag="")
                .exclude(pk=event.pk).exists())


def count_event(event: MessageEvent) -> None:
    """A MessageEvent just stored (inside its transaction)."""
    counter = EVENT_COUNTERS.get(event.event_type)
    message = event.message
    if counter is None or message is None or message.step_id is None:
        return
    sequences = _sequence_of_steps([message.step_id])
    if message.step_id not in sequences:
        return
    where = bucket(sequences[message.step_id], message.step_id, message.variant, event.occurred_at)
    if event.flag:
        add_counts(where, **{f"{counter}_flagged": 1})
        return
    amounts = {counter: 1}
    if event.event_type in FIRST_COUNTERS and _first_of_its_kind(event):
        amounts[FIRST_COUNTERS[event.event_type]] = 1
    add_counts(where, **amounts)


def count_conversion(message: Message, amount: Decimal, currency: str, first: bool) -> None:
    """An order credited to `message`; `first`: the message had no revenue before."""
    if message.step_id is None or message.sent_at is None:
        return
    sequences = _sequence_of_steps([message.step_id])
    if message.step_id not in sequences:
        return
    where = bucket(sequences[message.step_id], message.step_id, message.variant, message.sent_at)
    if first and amount > 0:
        add_counts(where, converted=1)
    if amount:  # as backfill, which only sees the sum: no row for a zero order
        add_revenue(where, currency, amount)


def _site_date(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def _journey_days() -> tuple[list[SequenceDay], list[SequenceDayExit]]:
    entered = (Enrollment.objects.order_by().annotate(day=_site_date("enrolled_at"))
               .values_list("sequence_id", "day").annotate(n=Count("pk")))
    exited = (Enrollment.objects.filter(state=EnrollmentState.EXITED, ended_at__isnull=False).order_by()
              .annotate(day=_site_date("ended_at"))
              .values_list("sequence_id", "day", "exit_reason").annotate(n=Count("pk")))
    return ([SequenceDay(sequence_id=sequence_id, day=day, entered=n) for sequence_id, day, n in entered],
            [SequenceDayExit(sequence_id=sequence_id, day=day, reason=reason, exited=n)
             for sequence_id, day, reason, n in exited])


def _step_days() -> tuple[dict[Bucket, Counter], dict[tuple[Bucket, str], Decimal]]:
    counts: dict[Bucket, Counter] = defaultdict(Counter)
    revenue: dict[tuple[Bucket, str], Decimal] = {}
    where = ("step__sequence_id", "step_id", "variant", "day")
    sent = (Message.objects.filter(step__isnull=False, status=MessageStatus.SENT, sent_at__isnull=False)
            .order_by().annotate(day=_site_date("sent_at")))
    for *key, n, converted in sent.values_list(*where).annotate(n=Count("pk"),
                                                              converted=Count("pk", filter=Q(revenue__gt=0))):
        counts[Bucket(*key)].update(sent=n, converted=converted)
    for *key, currency, amount in (sent.exclude(revenue=0).values_list(*where, "revenue_currency")
                                   .annotate(amount=Sum("revenue"))):
        revenue[Bucket(*key), currency] = amount
    events = MessageEvent.objects.filter(message__step__isnull=False).order_by().annotate(
        day=_site_date("occurred_at"))
    per_bucket = (*(f"message__{name}" for name in where[:3]), "day", "event_type")
    for *key, event_type, flagged, n in (events.filter(event_type__in=EVENT_COUNTERS)
                                         .annotate(flagged=~Q(flag="")).values_list(*per_bucket, "flagged")
                                         .annotate(n=Count("pk"))):
        counter = EVENT_COUNTERS[event_type]
        counts[Bucket(*key)][f"{counter}_flagged" if flagged else counter] += n
    # As live: a message's first honest event of a type is the first one stored.
    firsts = (MessageEvent.objects.filter(flag="", event_type__in=FIRST_COUNTERS).order_by()
              .values("message_id", "event_type").annotate(first=Min("pk")).values("first"))
    for *key, event_type, n in (events.filter(pk__in=Subquery(firsts)).values_list(*per_bucket)
                                .annotate(n=Count("pk"))):
        counts[Bucket(*key)][FIRST_COUNTERS[event_type]] += n
    return counts, revenue


def backfill(chunk_size: int = 2000) -> tuple[int, int]:
    """Rebuild every aggregate from the stored journeys, messages and events,
    by the same rules as the live counts, grouped by the database (a few
    queries, no row-by-row reading). Returns (step-day rows, revenue rows)."""
    counts, revenue = _step_days()
    entered, exited = _journey_days()
    with transaction.atomic():
        for model in (StepDay, StepDayRevenue, SequenceDay, SequenceDayExit):
            model.objects.all().delete()
        SequenceDay.objects.bulk_create(entered, batch_size=chunk_size)
        SequenceDayExit.objects.bulk_create(exited, batch_size=chunk_size)
        StepDay.objects.bulk_create([StepDay(**where._asdict(), **amounts) for where, amounts in counts.items()],
                                    batch_size=chunk_size)
        StepDayRevenue.objects.bulk_create(
            [StepDayRevenue(**where._asdict(), currency=currency, amount=amount)
             for (where, currency), amount in revenue.items()], batch_size=chunk_size)
    return len(counts), len(revenue)
