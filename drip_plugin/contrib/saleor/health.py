"""Saleor webhook intake for the operator's figures (metrics, drip_status)."""
from __future__ import annotations

from datetime import datetime

from django.db.models import Case, CharField, Count, Min, Q, Value, When

from ...health.figures import Figure, seconds_since
from .models import SaleorWebhookDelivery


def delivery_figures(now: datetime) -> list[Figure]:
    state = Case(When(processed_at__isnull=False, then=Value("processed")),
                 When(~Q(error=""), then=Value("failing")),
                 default=Value("pending"), output_field=CharField())
    counts = SaleorWebhookDelivery.objects.order_by().values_list("event_type", state).annotate(n=Count("pk"))
    oldest = SaleorWebhookDelivery.objects.filter(processed_at__isnull=True).aggregate(at=Min("received_at"))["at"]
    return [
        Figure("drip_saleor_webhook_deliveries", "Saleor webhook deliveries by event type and state.",
               labels=("event_type", "state"), samples={(event_type, st): n for event_type, st, n in counts}),
        Figure("drip_saleor_oldest_pending_delivery_age_seconds",
               "How long the oldest unprocessed Saleor delivery has waited (0: none).",
               samples={(): seconds_since(oldest, now)}),
    ]
