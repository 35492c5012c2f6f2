"""Evaluating editors' condition blocks against plain facts (pure functions)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime

# (event name, since or None, same object only) -> did it happen?
ActivityLookup = Callable[[str, "dt.datetime | None", bool], bool]


@dataclass
class Facts:
    """What a condition may look at: plain data, the clock and past activity."""

    contact: Mapping[str, Any]
    event: Mapping[str, Any]
    now: dt.datetime
    activity: ActivityLookup = lambda name, since, same_object: False
    entered_at: dt.datetime | None = None
    step_at: dt.datetime | None = None
    extras: dict = field(default_factory=dict)


def resolve(path: str, facts: Facts) -> Any:
    """`contact.city` (a field or an attribute) or `event.cart.total` → value or None."""
    root, _, rest = path.strip().partition(".")
    if root == "contact":
        current: Any = facts.contact
        name, _, rest = rest.partition(".")
        value = current.get(name)
        if value in (None, "") and name not in ("email",):
            value = (current.get("attributes") or {}).get(name, value)
        current = value
    elif root == "event":
        current = facts.event
        if not rest:
            return current
        name, _, rest = rest.partition(".")
        current = current.get(name) if isinstance(current, Mapping) else None
    else:
        return None
    for part in filter(None, rest.split(".")):
        current = current.get(part) if isinstance(current, Mapping) else None
    return current


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _moment(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        day = parse_date(value)
        if day is not None:
            return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().casefold()


def _equal(actual: Any, expected: str) -> bool:
    a, b = _number(actual), _number(expected)
    if a is not None and b is not None:
        return a == b
    return _text(actual) == _text(expected)


def compare(actual: Any, operator: str, expected: str, now: dt.datetime) -> bool:
    is_set = actual not in (None, "", [], {})
    if operator == "is_set":
        return is_set
    if operator == "is_not_set":
        return not is_set
    if not is_set:
        return operator == "not_equals"
    if operator == "equals":
        return _equal(actual, expected)
    if operator == "not_equals":
        return not _equal(actual, expected)
    if operator == "in":
        return any(_equal(actual, option) for option in expected.split(","))
    if operator == "contains":
        if isinstance(actual, (list, tuple)):
            return any(_equal(item, expected) for item in actual)
        return _text(expected) in _text(actual)
    if operator in ("gt", "lt"):
        a, b = _number(actual), _number(expected)
        if a is None or b is None:
            a, b = _moment(actual), _moment(expected)
        if a is None or b is None:
            return False
        return a > b if operator == "gt" else a < b
    if operator == "within_last_days":
        moment, days = _moment(actual), _number(expected)
        return moment is not None and days is not None and now - dt.timedelta(days=int(days)) <= moment <= now
    raise ValueError(f"unknown operator {operator!r}")


def _since(block: Mapping[str, Any], facts: Facts) -> dt.datetime | None:
    if block.get("since") == "days":
        return facts.now - dt.timedelta(days=int(block.get("days") or 0))
    if block.get("since") == "step":
        return facts.step_at or facts.entered_at
    return facts.entered_at


def _holds(kind: str, value: Mapping[str, Any], facts: Facts) -> tuple[bool, str]:
    if kind == "field":
        ok = compare(resolve(value["field"], facts), value["operator"], value.get("value") or "", facts.now)
        return ok, f"{value['field']} {value['operator']} {value.get('value') or ''}".strip()
    if kind == "activity":
        happened = facts.activity(value["activity"], _since(value, facts), bool(value.get("same_object")))
        wanted = value.get("happened", "has") == "has"
        return happened == wanted, f"{value.get('happened', 'has')} {value['activity']}"
    if kind == "any_of":
        results = [_holds(child.block_type, child.value, facts) for child in value["conditions"]]
        return any(ok for ok, _ in results) or not results, " or ".join(why for _, why in results)
    raise ValueError(f"unknown condition block {kind!r}")


def evaluate(conditions: Iterable, facts: Facts) -> tuple[bool, str]:
    """True when every condition holds; otherwise False and the first failing one."""
    for block in conditions:
        ok, why = _holds(block.block_type, block.value, facts)
        if not ok:
            return False, why
    return True, ""


def activity_names(conditions: Iterable) -> set[str]:
    """Event names that activity conditions in `conditions` look up."""
    names: set[str] = set()
    for block in conditions:
        if block.block_type == "activity":
            names.add(block.value["activity"])
        elif block.block_type == "any_of":
            names |= activity_names(block.value["conditions"])
    return names


def lookback_days(conditions: Iterable) -> int:
    """The most days any "in the last N days" activity condition looks back."""
    days = 0
    for block in conditions:
        if block.block_type == "activity" and block.value.get("since") == "days":
            days = max(days, int(block.value.get("days") or 0))
        elif block.block_type == "any_of":
            days = max(days, lookback_days(block.value["conditions"]))
    return days
