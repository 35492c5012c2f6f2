"""Per-step figures for the admin: sent, opens, clicks, conversions, revenue."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, Prefetch, Q, Sum, Value, When

from ..models import Message, MessageEvent, Sequence, Step
from ..models.messages import MessageStatus


@dataclass
class StepFigures:
    step_id: int
    label: str
    variant: str = ""  # "A"/"B" on A/B-tested steps
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    opened: int = 0  # messages opened at least once
    clicked: int = 0
    bounced: int = 0
    complained: int = 0
    unsubscribed: int = 0
    delivered: int = 0
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
class ChannelFigures:
    """A sequence's messages on one channel (email, SMS…): how many went,
    were delivered (as the provider reports), clicked, answered by an
    opt-out (unsubscribe link, STOP), and had an order attributed."""
    channel: str
    sent: int = 0
    delivered: int = 0
    clicked: int = 0
    unsubscribed: int = 0
    converted: int = 0

    @property
    def label(self) -> str:
        from ..channels.registry import channel_named  # (the channels import the analytics)

        channel = channel_named(self.channel)
        return str(channel.label) if channel else self.channel


@dataclass
class SequenceFigures:
    sequence: Sequence
    steps: list[StepFigures]
    channels: list[ChannelFigures] = field(default_factory=list)  # the channels it sent on, by name


CENT = Decimal("0.01")
ENGAGEMENT = {"opened": "opened", "clicked": "clicked", "bounced": "bounced", "rejected": "bounced",
              "complained": "complained", "unsubscribed": "unsubscribed", "delivered": "delivered"}


def step_report() -> list[SequenceFigures]:
    """Six queries, whatever the number of sequences, steps and messages.
    A/B-tested steps get one row per variant; each sequence's channels get a row."""
    ordered_steps = Prefetch("steps", queryset=Step.objects.order_by("sort_order", "pk").prefetch_related("variants"))
    sequences = list(Sequence.objects.prefetch_related(ordered_steps).order_by("name"))
    labels = {step.pk: str(step) for sequence in sequences for step in sequence.steps.all()}
    figures: dict[tuple[int, str], StepFigures] = {
        (step.pk, variant): StepFigures(step.pk, labels[step.pk], variant)
        for sequence in sequences for step in sequence.steps.all()
        for variant in step.variant_labels()
    }

    sequence_of = {step.pk: sequence.pk for sequence in sequences for step in sequence.steps.all()}
    per_channel: dict[tuple[int, str], ChannelFigures] = {}

    def row(step_id: int, variant: str) -> StepFigures | None:
        if step_id not in labels:
            return None
        return figures.setdefault((step_id, variant), StepFigures(step_id, labels[step_id], variant))

    def add(step_id: int, variant: str, channel: str, amounts: dict[str, int]) -> None:
        """Add to the step's row and to its sequence's row of `channel`."""
        if (figure := row(step_id, variant)) is None:
            return
        by_channel = per_channel.setdefault((sequence_of[step_id], channel), ChannelFigures(channel))
        for name, amount in amounts.items():
            setattr(figure, name, getattr(figure, name) + amount)
            if hasattr(by_channel, name):
                setattr(by_channel, name, getattr(by_channel, name) + amount)

    totals = Message.objects.filter(step__isnull=False).values("step_id", "variant", "channel").annotate(
        sent=Count("pk", filter=Q(status=MessageStatus.SENT)),
        failed=Count("pk", filter=Q(status=MessageStatus.FAILED)),
        suppressed=Count("pk", filter=Q(status=MessageStatus.SUPPRESSED)),
        converted=Count("pk", filter=Q(revenue__gt=0)),
    )
    for total in totals:
        add(total["step_id"], total["variant"], total["channel"],
            {name: total[name] for name in ("sent", "failed", "suppressed", "converted")})
    revenue = (Message.objects.filter(step__isnull=False, revenue__gt=0)
               .values("step_id", "variant", "revenue_currency").annotate(total=Sum("revenue")))
    for total in revenue:
        if (figure := row(total["step_id"], total["variant"])) is not None:
            # SQLite's SUM drops the scale: show cents as stored.
            figure.revenue[total["revenue_currency"] or "?"] = Decimal(total["total"]).quantize(CENT)
    # Grouped by figure, not by event type: a message both rejected and bounced is one bounce.
    figure_of = Case(*(When(event_type=kind, then=Value(name)) for kind, name in ENGAGEMENT.items()))
    engagement = (MessageEvent.objects.filter(message__step__isnull=False, event_type__in=ENGAGEMENT)
                  .annotate(figure=figure_of)
                  .values("message__step_id", "message__variant", "message__channel", "figure")
                  .annotate(messages=Count("message_id", distinct=True)))
    for total in engagement:
        add(total["message__step_id"], total["message__variant"], total["message__channel"],
            {total["figure"]: total["messages"]})
    return [
        SequenceFigures(sequence, [figure for step in sequence.steps.all()
                                   for key, figure in sorted(figures.items()) if key[0] == step.pk],
                        [figure for (sequence_id, _), figure in sorted(per_channel.items())
                         if sequence_id == sequence.pk])
        for sequence in sequences
    ]
