"""Saleor webhook payloads → canonical drip events."""
from __future__ import annotations

from datetime import datetime

from django.utils.dateparse import parse_datetime

from ...ingest.cart import Cart, CartLine
from ...integrations.signals import HostEvent

# Saleor event → drip event. The order's checkoutId is the checkout's id, so
# an order finds (and ends) the journey of the cart it came from.
EVENT_NAMES = {
    "CHECKOUT_CREATED": "checkout_started",
    "CHECKOUT_UPDATED": "checkout_updated",
    "ORDER_CREATED": "order_completed",
    "ORDER_FULLY_PAID": "order_paid",
    "ORDER_CANCELLED": "order_cancelled",
    "CUSTOMER_CREATED": "signed_up",
}


class UnusablePayload(ValueError):
    """An authentic payload drip cannot use (e.g. a checkout without email)."""


def _money(price: dict | None) -> tuple[str | None, str]:
    gross = (price or {}).get("gross") or {}
    amount = gross.get("amount")
    return (None if amount is None else str(amount)), gross.get("currency") or ""


def _thumbnail(owner: dict | None) -> str:
    return ((owner or {}).get("thumbnail") or {}).get("url") or ""


def checkout_properties(checkout: dict) -> dict:
    lines = []
    for line in checkout.get("lines") or []:
        variant = line.get("variant") or {}
        product = variant.get("product") or {}
        lines.append(CartLine(
            name=product.get("name") or variant.get("name") or "",
            variant=variant.get("name") or "",
            sku=variant.get("sku") or "",
            quantity=int(line.get("quantity") or 0),
            unit_price=_money(line.get("unitPrice"))[0],
            total=_money(line.get("totalPrice"))[0],
            image_url=_thumbnail(product),
        ))
    total, currency = _money(checkout.get("totalPrice"))
    return Cart(checkout_id=str(checkout["id"]), currency=currency, lines=lines,
                subtotal=_money(checkout.get("subtotalPrice"))[0], total=total).as_properties()


def order_properties(order: dict) -> dict:
    total, currency = _money(order.get("total"))
    lines = [
        CartLine(name=line.get("productName") or "", variant=line.get("variantName") or "",
                 sku=line.get("productSku") or "", quantity=int(line.get("quantity") or 0),
                 unit_price=_money(line.get("unitPrice"))[0], total=_money(line.get("totalPrice"))[0],
                 image_url=_thumbnail(line)).as_properties()
        for line in order.get("lines") or []
    ]
    properties = {"order_id": str(order["id"]),
                  "order": {"order_id": str(order["id"]), "number": str(order.get("number") or ""),
                            "currency": currency, "total": total, "subtotal": _money(order.get("subtotal"))[0],
                            "lines": lines}}
    if order.get("checkoutId"):
        properties["checkout_id"] = properties["order"]["checkout_id"] = str(order["checkoutId"])
    properties["order"] = {k: v for k, v in properties["order"].items() if v not in (None, "")}
    return properties


def _email(subject: dict, *fields: str) -> str:
    for field in fields:
        if subject.get(field):
            return subject[field]
    user = subject.get("user") or {}
    if user.get("email"):
        return user["email"]
    raise UnusablePayload("no customer email in the payload")


def to_event(event_type: str, payload: dict, idempotency_key: str) -> HostEvent:
    """The drip event of one Saleor webhook; raises UnusablePayload."""
    name = EVENT_NAMES.get(event_type)
    if name is None:
        raise UnusablePayload(f"event {event_type} is not one drip subscribes to")
    try:
        issued = payload.get("issuedAt")
        occurred_at: datetime | None = parse_datetime(issued) if isinstance(issued, str) else None
        if event_type.startswith("CHECKOUT_"):
            checkout = payload["checkout"]
            email, properties = _email(checkout, "email"), checkout_properties(checkout)
        elif event_type.startswith("ORDER_"):
            order = payload["order"]
            email, properties = _email(order, "userEmail"), order_properties(order)
        else:
            user = payload["user"]
            email, properties = _email(user, "email"), {"saleor_user_id": str(user.get("id") or "")}
    except UnusablePayload:
        raise
    except (KeyError, TypeError, AttributeError, ValueError, ArithmeticError) as exc:  # bad dates, amounts
        raise UnusablePayload(f"{event_type} payload lacks what drip needs: {exc!r}") from None
    return HostEvent(name, email=email, properties=properties, idempotency_key=idempotency_key,
                     occurred_at=occurred_at)
