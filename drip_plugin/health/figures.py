"""The operator's figures, read from the database in a fixed number of
queries whatever its size; the Prometheus collector and `drip_status` both
show what `health_figures()` returns."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from django.db.models import Case, CharField, Count, Min, Q, Value, When
from django.db.models.functions import Left, StrIndex

from .. import extensions
from ..models import Enrollment, Message, MessageEvent
from ..models.enrollments import EnrollmentState
from ..models.messages import SENDABLE, MessageStatus

OUTCOME_UNKNOWN = "outcome unknown"
# Reasons are grouped by the exception's name, the text before the first
# colon; an error without one is cut to this length so groups stay few.
REASON_LENGTH = 80


@dataclass(frozen=True)
class Figure:
    """One metric: its samples keyed by their label values (in `labels` order)."""

    name: str
    documentation: str
    kind: Literal["gauge", "counter"] = "gauge"
    labels: tuple[str, ...] = ()
    samples: dict[tuple[str, ...], float] = field(default_factory=dict)


def is_outcome_unknown() -> Q:
    """Failed messages the ESP may have received: resending risks a duplicate."""
    return Q(handed_at__isnull=False) | Q(error__startswith=OUTCOME_UNKNOWN)


def failure_reason() -> Case:
    """A failed message's reason, normalised in SQL: "outcome unknown", else
    the exception's name ("AnymailAPIError: 503 …" → "AnymailAPIError")."""
    colon = StrIndex("error", Value(":"))
    return Case(
        When(is_outcome_unknown(), then=Value(OUTCOME_UNKNOWN)),
        When(error="", then=Value("unknown")),
        When(Q(error__contains=":"), then=Left("error", colon - 1)),
        default=Left("error", REASON_LENGTH),
        output_field=CharField(),
    )


def seconds_since(moment: dt.datetime | None, now: dt.datetime) -> float:
    return max((now - moment).total_seconds(), 0.0) if moment else 0.0


def message_figures(now: dt.datetime) -> list[Figure]:
    by_status = dict(Message.objects.order_by().values_list("status").annotate(n=Count("pk")))
    oldest = Message.objects.filter(status__in=SENDABLE, send_after__lte=now).aggregate(at=Min("send_after"))["at"]
    oldest_enrollment = Enrollment.objects.filter(state=EnrollmentState.ACTIVE, due_at__lte=now).aggregate(
        at=Min("due_at"))["at"]
    failures = (Message.objects.filter(status=MessageStatus.FAILED).order_by()
                .annotate(reason=failure_reason()).values_list("reason").annotate(n=Count("pk")))
    intake = MessageEvent.objects.order_by().values_list("event_type").annotate(n=Count("pk"))
    return [
        Figure("drip_messages", "Messages by status (queued and retry_scheduled are the queue).",
               labels=("status",), samples={(status,): by_status.get(status, 0) for status in MessageStatus.values}),
        Figure("drip_messages_sent", "Messages sent.", kind="counter",
               samples={(): by_status.get(MessageStatus.SENT, 0)}),
        Figure("drip_oldest_due_message_age_seconds", "How long the oldest due, unsent message has waited (0: none).",
               samples={(): seconds_since(oldest, now)}),
        Figure("drip_oldest_due_enrollment_age_seconds", "How long the oldest due step of an active journey has "
               "waited (0: none).", samples={(): seconds_since(oldest_enrollment, now)}),
        Figure("drip_message_failures", "Failed messages by normalised reason.", labels=("reason",),
               samples={(reason,): n for reason, n in failures}),
        Figure("drip_message_events", "Tracking events received (ESP webhooks, opens, clicks) by type.",
               kind="counter", labels=("type",), samples={(event_type,): n for event_type, n in intake}),
    ]


def health_figures(now: dt.datetime) -> list[Figure]:
    """The core's figures, then those of the apps that registered some."""
    figures = message_figures(now)
    for provider in extensions.health_figure_providers():
        figures.extend(provider(now))
    return figures


def sample_lines(figures: Iterable[Figure]) -> Iterable[str]:
    """The figures as "name{label="value"} n" lines, for people."""
    for figure in figures:
        if not figure.samples:
            yield f"{figure.name} (none)"
        for values, number in sorted(figure.samples.items()):
            labels = ", ".join(f'{label}="{value}"' for label, value in zip(figure.labels, values))
            yield f"{figure.name}{{{labels}}} {number:g}" if labels else f"{figure.name} {number:g}"
