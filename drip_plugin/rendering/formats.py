"""Money and dates as the email's reader writes them (Babel's CLDR data).

An email renders with its language active (render_email), so
`{{ cart.total|money:cart.currency }}` prints `49,90 €` in a French email and
`€49.90` in an English one, and `{{ subscription.renews_at|local_date }}`
`2 mars 2026` / `March 2, 2026`. Event properties are JSON, so amounts and
dates arrive as numbers or strings as often as Decimals and dates.
"""
from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from django.conf import settings
from django.utils import translation

DATE_FORMATS = ("short", "medium", "long", "full")


def babel_locale() -> Locale:
    """The active language as a Babel locale; English when Babel does not know it."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def money(value: Any, currency: Any = "") -> Any:
    """`value` as an amount in `currency` (an ISO 4217 code such as EUR); a
    value that is no number comes back unchanged, like Django's own filters."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return value
    if not amount.is_finite():
        return value
    code = str(currency or "").strip().upper()
    if not code:
        return format_decimal(amount, format="#,##0.00", locale=babel_locale())
    return format_currency(amount, code, locale=babel_locale())


def _as_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):  # datetimes too: their calendar day, as written
        return value.date() if isinstance(value, datetime.datetime) else value
    try:
        return datetime.datetime.fromisoformat(str(value).strip()).date()
    except ValueError:
        return None


def local_date(value: Any, length: Any = "long") -> Any:
    """A date, a datetime or an ISO 8601 string as the reader's language writes
    the day (length: short, medium, long or full); anything else unchanged."""
    day = _as_date(value)
    if day is None or length not in DATE_FORMATS:
        return value
    return format_date(day, format=length, locale=babel_locale())


FILTERS = {"money": money, "local_date": local_date}
