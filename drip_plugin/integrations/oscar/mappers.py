"""Mappers for django-oscar's signals (wired by ``MAPPINGS`` in __init__).

They read the objects Oscar passes and import nothing from Oscar. Amounts are
tax-inclusive where the basket's strategy knows the tax, else tax-exclusive.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ...conf import drip_settings
from ...ingest.cart import Cart, CartLine
from ...links.routes import absolute
from ..django_auth import signup_idempotency_key
from ..signals import HostEvent


def _known(incl_tax: Decimal | None, excl_tax: Decimal | None) -> Decimal | None:
    return excl_tax if incl_tax is None else incl_tax


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else absolute(url)


def _product_links(product: Any) -> dict[str, str]:
    """product_url and image_url of a line's product (None once deleted)."""
    if product is None:
        return {}
    image = product.primary_image()
    # Oscar returns a dict placeholder for a product without images.
    image_url = "" if isinstance(image, dict) else _absolute(image.original.url)
    return {"product_url": _absolute(product.get_absolute_url()), "image_url": image_url}


def _basket_line(line: Any) -> CartLine:
    return CartLine(name=line.product.get_title(), quantity=line.quantity,
                    unit_price=_known(line.unit_price_incl_tax, line.unit_price_excl_tax),
                    total=_known(line.line_price_incl_tax, line.line_price_excl_tax),
                    sku=line.stockrecord.partner_sku if line.stockrecord else "", **_product_links(line.product))


def _order_line(line: Any) -> CartLine:
    return CartLine(name=line.title, quantity=line.quantity,
                    unit_price=_known(line.unit_price_incl_tax, line.unit_price_excl_tax),
                    total=line.line_price_incl_tax, sku=line.partner_sku, **_product_links(line.product))


def _person(user: Any, address: Any = None) -> dict[str, Any]:
    """What Oscar knows of the customer: HostEvent keyword arguments (names
    from the user, else the address; the address's phone, already E.164)."""
    def name(field: str) -> str | None:
        return (getattr(user, field, "") if user else "") or getattr(address, field, "") or None

    phone = getattr(address, "phone_number", None)
    return {"first_name": name("first_name"), "last_name": name("last_name"), "phone": str(phone) if phone else None}


def order_placed(sender, order, **kwargs) -> HostEvent | None:
    """order_placed → order_completed; the basket id ends that cart's journey."""
    if not order.email:
        return None
    number = str(order.number)
    snapshot = {"order_id": number, "number": number, "currency": order.currency,
                "total": str(order.total_incl_tax), "subtotal": str(order.basket_total_incl_tax),
                "lines": [_order_line(line).as_properties() for line in order.lines.select_related("product")]}
    properties: dict[str, Any] = {"order_id": number, "order": snapshot}
    if order.basket_id:
        properties["checkout_id"] = snapshot["checkout_id"] = str(order.basket_id)
    return HostEvent("order_completed", email=order.email, user=order.user, properties=properties,
                     idempotency_key=f"oscar-order-{number}", occurred_at=order.date_placed,
                     **_person(order.user, order.shipping_address or order.billing_address))


def basket_addition(sender, request, user, **kwargs) -> HostEvent | None:
    """basket_addition → checkout_updated with the whole basket. Anonymous
    baskets have no email to write to, so only signed-in customers count."""
    if not (user and user.is_authenticated and user.email):
        return None
    basket = request.basket
    tax_known = basket.is_tax_known
    snapshot = Cart(checkout_id=str(basket.id), currency=basket.currency or "",
                    lines=[_basket_line(line) for line in basket.all_lines()],
                    subtotal=basket.total_incl_tax_excl_discounts if tax_known else basket.total_excl_tax_excl_discounts,
                    total=basket.total_incl_tax if tax_known else basket.total_excl_tax)
    # No idempotency key: each addition is a new state of the cart.
    return HostEvent("checkout_updated", user=user, properties=snapshot.as_properties(),
                     locale=getattr(request, "LANGUAGE_CODE", None), **_person(user))


def user_registered(sender, user, **kwargs) -> HostEvent | None:
    """user_registered → signed_up, keyed like django_auth's post_save so the
    two signals of one registration record one event."""
    if not user.email:
        return None
    event_name = drip_settings.AUTH_SIGNUP_EVENT or "signed_up"
    return HostEvent(event_name, user=user, idempotency_key=signup_idempotency_key(user, event_name),
                     **_person(user))
