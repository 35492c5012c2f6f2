"""Per-step figures for the admin: sent, opens, clicks, conversions, revenue."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, Sum

from .models import Message, MessageEvent, Sequence, Step
from .models.messages import MessageStatus


@dataclass
class StepFigures:
    step_id: int
    label: str
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    opened: int = 0  # messages opened at least once
    clicked: int = 0
    bounced: int = 0
    complained: int = 0
    unsubscribed: int = 0
    converted: int = 0  # messages an order was attributed to
    revenue: dict[str, Decimal] = field(default_factory=dict)  # per currency

    def _rate(self, count: int) -> str:
        return f"{100 * count / self.sent:.1f} %" if self.sent else "–"

    @property
    def opened_rate(self) -> str:
        return self._rate(self.opened)

    @property
    def clicked_rate(self) -> str:
        return self._rate(self.clicked)

    @property
    def converted_rate(self) -> str:
        return self._rate(self.converted)


@dataclass
class SequenceFigures:
    sequence: Sequence
    steps: list[StepFigures]


CENT = Decimal("0.01")
ENGAGEMENT = {"opened": "opened", "clicked": "clicked", "bounced": "bounced", "rejected": "bounced",
              "complained": "complained", "unsubscribed": "unsubscribed"}


def step_report() -> list[SequenceFigures]:
    """Five queries, whatever the number of sequences, steps and messages."""
    figures: dict[int, StepFigures] = {}
    ordered_steps = Prefetch("steps", queryset=Step.objects.order_by("sort_order", "pk"))
    sequences = list(Sequence.objects.prefetch_related(ordered_steps).order_by("name"))
    for sequence in sequences:
        for step in sequence.steps.all():
            figures[step.pk] = StepFigures(step.pk, str(step))
    totals = Message.objects.filter(step__isnull=False).values("step_id").annotate(
        sent=Count("pk", filter=Q(status=MessageStatus.SENT)),
        failed=Count("pk", filter=Q(status=MessageStatus.FAILED)),
        suppressed=Count("pk", filter=Q(status=MessageStatus.SUPPRESSED)),
        converted=Count("pk", filter=Q(revenue__gt=0)),
    )
    for row in totals:
        if row["step_id"] in figures:
            for name in ("sent", "failed", "suppressed", "converted"):
                setattr(figures[row["step_id"]], name, row[name])
    revenue = (Message.objects.filter(step__isnull=False, revenue__gt=0)
               .values("step_id", "revenue_currency").annotate(total=Sum("revenue")))
    for row in revenue:
        if row["step_id"] in figures:
            # SQLite's SUM drops the scale: show cents as stored.
            figures[row["step_id"]].revenue[row["revenue_currency"] or "?"] = Decimal(row["total"]).quantize(CENT)
    engagement = (MessageEvent.objects.filter(message__step__isnull=False, event_type__in=ENGAGEMENT)
                  .values("message__step_id", "event_type").annotate(messages=Count("message_id", distinct=True)))
    for row in engagement:
        step = figures.get(row["message__step_id"])
        if step is not None:
            name = ENGAGEMENT[row["event_type"]]
            setattr(step, name, getattr(step, name) + row["messages"])
    return [SequenceFigures(s, [figures[step.pk] for step in s.steps.all()]) for s in sequences]
