"""The figures of the dashboard panel on Wagtail's home page, in three
queries whatever the size of the outbox."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from ..models import Enrollment, Message
from ..models.enrollments import EnrollmentState
from ..models.messages import SENDABLE, MessageStatus
from .figures import seconds_since

TOP_SEQUENCES = 5
REVENUE_DAYS = 7


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


def start_of_today(now: dt.datetime) -> dt.datetime:
    """Midnight of `now`'s day in the site's TIME_ZONE."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def dashboard_figures(now: dt.datetime) -> DashboardFigures:
    today = start_of_today(now)
    # Failed messages keep the time their last attempt was due in send_after.
    counts = Message.objects.aggregate(
        sent_today=Count("pk", filter=Q(status=MessageStatus.SENT, sent_at__gte=today)),
        failed_today=Count("pk", filter=Q(status=MessageStatus.FAILED, send_after__gte=today)),
        queue_depth=Count("pk", filter=Q(status__in=SENDABLE)),
        oldest_due=Min("send_after", filter=Q(status__in=SENDABLE, send_after__lte=now)),
    )
    oldest_step = Enrollment.objects.filter(state=EnrollmentState.ACTIVE, due_at__lte=now).aggregate(
        at=Min("due_at"))["at"]
    top = (Message.objects.filter(sent_at__gte=now - dt.timedelta(days=REVENUE_DAYS), revenue__gt=0)
           .order_by().values("enrollment__sequence_id", "enrollment__sequence__name", "revenue_currency")
           .annotate(total=Sum("revenue")).order_by("-total")[:TOP_SEQUENCES])
    return DashboardFigures(
        sent_today=counts["sent_today"], failed_today=counts["failed_today"], queue_depth=counts["queue_depth"],
        lag_seconds=max(seconds_since(counts["oldest_due"], now), seconds_since(oldest_step, now)),
        top_sequences=[SequenceRevenue(row["enrollment__sequence_id"], row["enrollment__sequence__name"],
                                       row["revenue_currency"], row["total"]) for row in top],
    )
