"""One sequence's report over a date range: funnel, daily series, per step
and variant, the previous period beside it, exits by reason.

It reads the daily aggregates (aggregates.py), never the messages or events,
in a fixed number of queries, so it costs the same at ten messages as at ten
million. Days are dates in the site's TIME_ZONE, the range's ends included.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from ..models import Sequence, SequenceDay, SequenceDayExit, Step, StepDay, StepDayRevenue

COUNTERS = ("sent", "delivered", "opened", "clicked", "converted", "opens", "clicks", "opens_flagged",
            "clicks_flagged")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # included

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def previous(self) -> Period:
        length = dt.timedelta(days=len(self.days))
        return Period(self.start - length, self.end - length)


def rate(count: int, base: int) -> float | None:
    return 100 * count / base if base else None


@dataclass
class Figures:
    """Counts of one step (variant), one day or one whole period."""
    counts: Counter = field(default_factory=Counter)
    revenue: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def add(self, counts: dict, revenue: dict[str, Decimal] | None = None) -> None:
        self.counts.update({name: counts.get(name, 0) for name in COUNTERS})
        for currency, amount in (revenue or {}).items():
            self.revenue[currency] += amount

    def __getattr__(self, name):
        if name in COUNTERS:
            return self.counts[name]
        raise AttributeError(name)

    @property
    def raw_opens(self) -> int:
        return self.counts["opens"] + self.counts["opens_flagged"]

    @property
    def raw_clicks(self) -> int:
        return self.counts["clicks"] + self.counts["clicks_flagged"]

    # Rates of messages sent; flagged opens and clicks are never in them.
    @property
    def open_rate(self) -> float | None:
        return rate(self.counts["opened"], self.counts["sent"])

    @property
    def click_rate(self) -> float | None:
        return rate(self.counts["clicked"], self.counts["sent"])

    @property
    def conversion_rate(self) -> float | None:
        return rate(self.counts["converted"], self.counts["sent"])

    def revenue_text(self) -> str:
        return ", ".join(f"{amount.quantize(CENT)} {currency or '?'}"
                         for currency, amount in sorted(self.revenue.items())) or "–"


@dataclass
class StepRow:
    step: Step
    variant: str
    current: Figures = field(default_factory=Figures)
    previous: Figures = field(default_factory=Figures)

    @property
    def label(self) -> str:
        return f"{self.step}" + (f" · variant {self.variant}" if self.variant else "")


@dataclass
class SequenceReport:
    sequence: Sequence
    period: Period
    entered: int
    entered_before: int
    rows: list[StepRow]  # per step and variant, in step order
    steps: list[StepRow]  # per step, variants added up
    days: dict[dt.date, Figures]
    exits: list[tuple[str, int]]
    total: Figures
    total_before: Figures


def _step_rows(steps: list[Step], keys) -> list[StepRow]:
    variants = defaultdict(set)
    for step in steps:
        variants[step.pk].update(step.variant_labels())
    for step_id, variant in keys:
        variants[step_id].add(variant)
    return [StepRow(step, variant) for step in steps for variant in sorted(variants[step.pk])]


def sequence_report(sequence: Sequence, period: Period) -> SequenceReport:
    """Six queries, whatever the number of messages, days and steps."""
    before = period.previous()
    from ..channels.registry import channels  # (the channels import the analytics)

    sending = [channel.step_kind for channel in channels()]  # steps that send: email, SMS, …
    steps = list(Step.objects.filter(sequence=sequence, kind__in=sending).order_by("sort_order", "pk")
                 .prefetch_related("variants"))
    counts = list(StepDay.objects.filter(sequence=sequence, day__range=(before.start, period.end))
                  .values("step_id", "variant", "day", *COUNTERS))
    revenue = defaultdict(dict)
    for row in StepDayRevenue.objects.filter(sequence=sequence, day__range=(before.start, period.end)).values(
            "step_id", "variant", "day", "currency", "amount"):
        revenue[row["step_id"], row["variant"], row["day"]][row["currency"]] = Decimal(row["amount"])
    rows = _step_rows(steps, {(row["step_id"], row["variant"]) for row in counts})
    by_key = {(row.step.pk, row.variant): row for row in rows}
    days = {day: Figures() for day in period.days}
    total, total_before = Figures(), Figures()
    for row in counts:
        money = revenue[row["step_id"], row["variant"], row["day"]]
        step_row = by_key.get((row["step_id"], row["variant"]))
        current = row["day"] >= period.start
        for figures in (days[row["day"]] if current else None, total if current else total_before,
                        (step_row.current if current else step_row.previous) if step_row else None):
            if figures is not None:
                figures.add(row, money)
    per_step = {}
    for row in rows:
        summed = per_step.setdefault(row.step.pk, StepRow(row.step, ""))
        summed.current.add(row.current.counts, row.current.revenue)
        summed.previous.add(row.previous.counts, row.previous.revenue)
    entered = SequenceDay.objects.filter(sequence=sequence, day__range=(before.start, period.end)).aggregate(
        now=Sum("entered", filter=Q(day__gte=period.start), default=0),
        before=Sum("entered", filter=Q(day__lt=period.start), default=0))
    exits = (SequenceDayExit.objects.filter(sequence=sequence, day__range=(period.start, period.end))
             .values_list("reason").annotate(n=Sum("exited")).order_by("-n", "reason"))
    return SequenceReport(sequence, period, entered["now"], entered["before"], rows, list(per_step.values()),
                          days, [(reason or "–", n) for reason, n in exits], total, total_before)
