"""Conversions: an order credited to the email that led to it."""
from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.db.models import F

from .aggregates import count_conversion
from ..models import Event, Message, MessageEvent
from ..models.events import property_is

logger = logging.getLogger("drip_plugin.analytics")

CENT = Decimal("0.01")
MAX_TOTAL = Decimal("1e10")  # revenue is a decimal(12, 2) column
CLICK_WINDOW = dt.timedelta(days=5)
OPEN_WINDOW = dt.timedelta(days=1)


def attributed_message(event: Event) -> Message | None:
    """The contact's last clicked message within 5 days, else last opened within 1 day.
    Flagged clicks and opens (staff, prefetch, scanner) were no person reading:
    they earn nothing."""
    for kind, window in (("clicked", CLICK_WINDOW), ("opened", OPEN_WINDOW)):
        engagement = (
            MessageEvent.objects.filter(
                message__enrollment__contact_id=event.contact_id, event_type=kind, flag="",
                occurred_at__gte=event.occurred_at - window, occurred_at__lte=event.occurred_at,
            )
            .order_by("-occurred_at")
            .select_related("message")
            .first()
        )
        if engagement is not None:
            return engagement.message
    return None


def order_total(event: Event, order: dict) -> Decimal | None:
    """The order's total in cents, or None (logged) when it cannot be revenue."""
    try:
        total = Decimal(str(order.get("total", "0"))).quantize(CENT)
    except InvalidOperation:  # not a number, or too large to quantize
        total = None
    if total is None or not total.is_finite() or abs(total) >= MAX_TOTAL:
        logger.warning("order event %s: total %r is not an amount; not attributed", event.pk, order.get("total"))
        return None
    return total


def order_currency(order: dict) -> str:
    """The order's ISO 4217 code, upper case ("" when it has none)."""
    return str(order.get("currency") or "")[:3].upper()


def _counted_before(event: Event, order_id: str) -> bool:
    """The same order came before (another route, or a retry without the
    same idempotency key): its revenue is in already."""
    return Event.objects.filter(property_is("order_id", order_id), contact_id=event.contact_id,
                                name=event.name).exclude(pk=event.pk).exists()


def attribute_order(event: Event) -> Message | None:
    order = event.properties.get("order") or {}
    order_id = str(event.properties.get("order_id") or order.get("order_id") or "")
    if order_id and _counted_before(event, order_id):
        logger.info("order %s was attributed before; event %s not counted again", order_id, event.pk)
        return None
    total = order_total(event, order)
    message = attributed_message(event) if total is not None else None
    if message is None:
        return None
    currency = order_currency(order)
    # One message's revenue is in one currency: an order in another one is not added to it.
    # One UPDATE each: the first credit of a message (it converted) is told
    # apart from a later one in the same currency, also under concurrent orders.
    first = bool(Message.objects.filter(pk=message.pk, revenue=0).update(revenue=total, revenue_currency=currency))
    credited = first or Message.objects.filter(pk=message.pk, revenue_currency=currency,
                                               revenue__lt=MAX_TOTAL - total).update(revenue=F("revenue") + total)
    if not credited:
        logger.warning("order event %s (%s %s) not attributed to message %s: its revenue (%s %s) is in another "
                       "currency or would overflow", event.pk, total, currency or "no currency", message.pk,
                       message.revenue, message.revenue_currency or "?")
        return None
    count_conversion(message, total, currency, first)
    logger.info("order event %s attributed to message %s (%s %s)", event.pk, message.pk, total, currency)
    return message


def on_event_tracked(sender, event: Event, **kwargs) -> None:
    if event.name == "order_completed":
        attribute_order(event)
