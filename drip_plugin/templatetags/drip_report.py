from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"


@register.filter
def amount(revenue: dict, currency: str) -> Decimal:
    return revenue.get(currency, Decimal("0.00"))


@register.filter
def metric_value(mean: float, metric: str) -> str:
    """An arm's figure: a rate for opens, clicks and conversions, an amount per recipient for revenue."""
    return f"{mean:.2f}" if metric == "revenue" else f"{100 * mean:.1f} %"
