"""The figures of the dashboard panel on Wagtail's home page, in five
queries whatever the size of the outbox."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum

from ..analytics.aggregates import site_day, start_of_day
from ..models import Enrollment, Message, StepDay, StepDayRevenue
from ..models.enrollments import EnrollmentState
from ..models.messages import SENDABLE, MessageStatus
from .figures import seconds_since

TOP_SEQUENCES = 5
REVENUE_DAYS = 7  # today and the six days before, by the day the earning message was sent


@dataclass(frozen=True)
class SequenceRevenue:
    sequence_id: int
    name: str
    currency: str
    revenue: Decimal


@dataclass(frozen=True)
class DashboardFigures:
    sent_today: int
    failed_today: int
    queue_depth: int
    # Seconds the oldest due step (a message to send or a journey step to
    # take) has waited; 0 when nothing is late.
    lag_seconds: float
    top_sequences: list[SequenceRevenue]


def dashboard_figures(now: dt.datetime) -> DashboardFigures:
    """Five queries, each bounded by today's or the queue's rows, not the
    tables': sends and revenue from the daily aggregates, failures from the
    failed messages' index, the queue from the sendable messages' index."""
    today = site_day(now)
    sent_today = StepDay.objects.filter(day=today).aggregate(n=Sum("sent", default=0))["n"]
    failed_today = Message.objects.filter(status=MessageStatus.FAILED, failed_at__gte=start_of_day(today)).count()
    queue = Message.objects.filter(status__in=SENDABLE).aggregate(
        depth=Count("pk"), oldest_due=Min("send_after", filter=Q(send_after__lte=now)))
    oldest_step = Enrollment.objects.filter(state=EnrollmentState.ACTIVE, due_at__lte=now).aggregate(
        at=Min("due_at"))["at"]
    top = (StepDayRevenue.objects.filter(day__gt=today - dt.timedelta(days=REVENUE_DAYS), amount__gt=0)
           .order_by().values("sequence_id", "sequence__name", "currency")
           .annotate(total=Sum("amount")).order_by("-total", "sequence_id")[:TOP_SEQUENCES])
    return DashboardFigures(
        sent_today=sent_today, failed_today=failed_today, queue_depth=queue["depth"],
        lag_seconds=max(seconds_since(queue["oldest_due"], now), seconds_since(oldest_step, now)),
        top_sequences=[SequenceRevenue(row["sequence_id"], row["sequence__name"], row["currency"], row["total"])
                       for row in top],
    )
