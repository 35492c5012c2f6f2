"""Saleor webhook payloads → canonical drip events."""
from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from ...ingest.cart import Cart, CartLine
from ...ingest.identify import ATTRIBUTE_NAME, RESERVED_NAMES
from ...integrations.signals import HostEvent

logger = logging.getLogger("drip_plugin.contrib.saleor")

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


def locale_of(language_code: str | None) -> str | None:
    """Saleor's LanguageCodeEnum ('EN_US', 'FR') → a drip locale ('en_US', 'fr')."""
    if not language_code:
        return None
    language, _, region = language_code.partition("_")
    return f"{language.lower()}_{region}" if region else language.lower()


def metadata_attributes(metadata: list | None) -> dict[str, str]:
    """A user's public metadata → contact attributes; keys become snake_case
    ('Loyalty-Tier' → loyalty_tier); a key that cannot be one is left out."""
    attributes = {}
    for item in metadata or []:
        key = re.sub(r"[^a-z0-9]+", "_", str(item.get("key") or "").strip().lower()).strip("_")
        if not ATTRIBUTE_NAME.match(key) or key in RESERVED_NAMES:
            logger.info("Saleor metadata key %r is not usable as a contact attribute; left out", item.get("key"))
            continue
        attributes[key] = item.get("value")
    return attributes


def contact_data(user: dict | None, address: dict | None = None, language_code: str | None = None
                 ) -> dict[str, Any]:
    """What a payload's user and billing address say about the person:
    HostEvent keyword arguments (None: unknown, so left as it is)."""
    user, address = user or {}, address or {}
    return {
        "first_name": user.get("firstName") or address.get("firstName") or None,
        "last_name": user.get("lastName") or address.get("lastName") or None,
        "locale": locale_of(user.get("languageCode") or language_code),
        "phone": address.get("phone") or None,
        "attributes": metadata_attributes(user.get("metadata")) or None,
    }


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
            person = contact_data(checkout.get("user"), checkout.get("billingAddress"), checkout.get("languageCode"))
        elif event_type.startswith("ORDER_"):
            order = payload["order"]
            email, properties = _email(order, "userEmail"), order_properties(order)
            person = contact_data(order.get("user"), order.get("billingAddress"), order.get("languageCodeEnum"))
        else:
            user = payload["user"]
            email, properties = _email(user, "email"), {"saleor_user_id": str(user.get("id") or "")}
            person = contact_data(user)
    except UnusablePayload:
        raise
    except (KeyError, TypeError, AttributeError, ValueError, ArithmeticError) as exc:  # bad dates, amounts
        raise UnusablePayload(f"{event_type} payload lacks what drip needs: {exc!r}") from None
    return HostEvent(name, email=email, properties=properties, idempotency_key=idempotency_key,
                     occurred_at=occurred_at, **person)
