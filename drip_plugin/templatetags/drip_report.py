from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"


@register.filter
def amount(revenue: dict, currency: str) -> Decimal:
    return revenue.get(currency, Decimal("0.00"))
