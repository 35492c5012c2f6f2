"""Conversions: an order credited to the email that led to it."""
from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.db.models import F

from ..models import Event, Message, MessageEvent

logger = logging.getLogger("drip_plugin.delivery")

CLICK_WINDOW = dt.timedelta(days=5)
OPEN_WINDOW = dt.timedelta(days=1)


def attributed_message(event: Event) -> Message | None:
    """The contact's last clicked message within 5 days, else last opened within 1 day."""
    for kind, window in (("clicked", CLICK_WINDOW), ("opened", OPEN_WINDOW)):
        engagement = (
            MessageEvent.objects.filter(
                message__enrollment__contact_id=event.contact_id, event_type=kind,
                occurred_at__gte=event.occurred_at - window, occurred_at__lte=event.occurred_at,
            )
            .order_by("-occurred_at")
            .select_related("message")
            .first()
        )
        if engagement is not None:
            return engagement.message
    return None


def attribute_order(event: Event) -> Message | None:
    order = event.properties.get("order") or {}
    try:
        total = Decimal(str(order.get("total", "0")))
    except InvalidOperation:
        logger.warning("order event %s has a non-numeric total; not attributed", event.pk)
        return None
    message = attributed_message(event)
    if message is not None:
        Message.objects.filter(pk=message.pk).update(
            revenue=F("revenue") + total, revenue_currency=str(order.get("currency", ""))[:3]
        )
        logger.info("order event %s attributed to message %s (%s)", event.pk, message.pk, total)
    return message


def on_event_tracked(sender, event: Event, **kwargs) -> None:
    if event.name == "order_completed":
        attribute_order(event)
