"""Cart snapshots: the `cart` property of checkout events, built by hosts
and integrations from their own cart objects."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


def _amount(value: Decimal | str | int | float | None) -> str | None:
    return None if value is None else str(Decimal(str(value)))


@dataclass(frozen=True)
class CartLine:
    name: str
    quantity: int = 1
    unit_price: Decimal | str | None = None
    total: Decimal | str | None = None
    sku: str = ""
    variant: str = ""
    image_url: str = ""
    product_url: str = ""

    def as_properties(self) -> dict[str, Any]:
        data = {"name": self.name, "quantity": self.quantity, "unit_price": _amount(self.unit_price),
                "total": _amount(self.total), "sku": self.sku, "variant": self.variant,
                "image_url": self.image_url, "product_url": self.product_url}
        return {key: value for key, value in data.items() if value not in (None, "")}


@dataclass(frozen=True)
class Cart:
    """A checkout as emails show it. `checkout_id` keys the cart journey and
    the restore link; the restore URL itself is signed at render time."""

    checkout_id: str
    currency: str = ""
    lines: list[CartLine] = field(default_factory=list)
    subtotal: Decimal | str | None = None
    total: Decimal | str | None = None

    def as_properties(self) -> dict[str, Any]:
        """Properties of a checkout_started / checkout_updated event."""
        cart = {"checkout_id": self.checkout_id, "currency": self.currency,
                "lines": [line.as_properties() for line in self.lines],
                "subtotal": _amount(self.subtotal), "total": _amount(self.total)}
        return {"checkout_id": self.checkout_id,
                "cart": {key: value for key, value in cart.items() if value not in (None, "")}}
