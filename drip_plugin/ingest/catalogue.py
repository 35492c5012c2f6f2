"""The event catalogue: canonical events and the shape of their properties.

Names follow the Segment e-commerce spec in snake_case. Hosts may track any
other event name; for the events listed here, properties are checked against
a JSON Schema before anything is written, so a sequence never meets a cart
without lines or an order whose total is "twelve". Extra properties are
always allowed: hosts add what their templates need.
"""
from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from ..exceptions import InvalidEvent

logger = logging.getLogger("drip_plugin.ingest")

_ID = {"type": ["string", "integer"], "minLength": 1}
# Amounts are decimal strings ("49.90") or numbers; floats are accepted
# because JSON has no decimal type, but strings keep cents exact.
# `title` is the message shown when a pattern or anyOf fails (jsonschema's own
# quotes the regex).
_MONEY = {"title": "must be an amount such as \"49.90\"",
          "anyOf": [{"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}, {"type": "number"}]}
_CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$", "title": "must be a 3-letter currency code such as EUR"}
_URL = {"type": "string", "pattern": "^https?://", "title": "must be an absolute http(s) URL"}
_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}",
         "title": "must be an ISO 8601 date or datetime such as 2026-12-01"}

LINE = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "product_id": _ID,  # as product_viewed names the product (recommendations); else the sku
        "sku": {"type": "string"},
        "variant": {"type": "string"},
        "quantity": {"type": "integer", "minimum": 0},
        "unit_price": _MONEY,
        "total": _MONEY,
        "image_url": _URL,
        "product_url": _URL,
    },
}
CART = {
    "type": "object",
    "properties": {
        "checkout_id": _ID,
        "currency": _CURRENCY,
        "lines": {"type": "array", "items": LINE},
        "subtotal": _MONEY,
        "total": _MONEY,
        "restore_url": _URL,
    },
}
ORDER = {
    "type": "object",
    "properties": {
        "order_id": _ID,
        "number": {"type": "string"},
        "checkout_id": _ID,
        "currency": _CURRENCY,
        "lines": {"type": "array", "items": LINE},
        "subtotal": _MONEY,
        "total": _MONEY,
    },
}
SUBSCRIPTION = {
    "type": "object",
    "properties": {
        "subscription_id": _ID,
        "plan": {"type": "string"},
        "status": {"type": "string"},
        "renews_at": _DATE,
    },
}


@dataclass(frozen=True)
class CatalogueEvent:
    name: str
    description: str
    schema: dict[str, Any]


def _object(required: list[str] | None = None, **properties: dict) -> dict:
    return {"type": "object", "required": required or [], "properties": properties}


_SUBSCRIPTION_ID = {"title": "needs subscription_id (or subscription.subscription_id)",
                    "anyOf": [{"required": ["subscription_id"]},
                              {"required": ["subscription"],
                               "properties": {"subscription": {"required": ["subscription_id"]}}}]}


def _subscription_event() -> dict:
    return {**_object(subscription_id=_ID, subscription=SUBSCRIPTION, renews_at=_DATE), **_SUBSCRIPTION_ID}


EVENTS: dict[str, CatalogueEvent] = {
    event.name: event
    for event in [
        CatalogueEvent("signed_up", "A customer created an account.", _object()),
        CatalogueEvent("product_viewed", "A customer looked at a product.",
                       _object(["product_id"], product_id=_ID, name={"type": "string"}, price=_MONEY,
                               currency=_CURRENCY, url=_URL, image_url=_URL)),
        CatalogueEvent("checkout_started", "A cart/checkout was created.",
                       _object(["checkout_id"], checkout_id=_ID, cart=CART)),
        CatalogueEvent("checkout_updated", "A cart/checkout changed (lines, email, address).",
                       _object(["checkout_id"], checkout_id=_ID, cart=CART)),
        CatalogueEvent("order_completed", "An order was placed (or paid, as the host decides).",
                       _object(["order_id"], order_id=_ID, checkout_id=_ID, order=ORDER)),
        CatalogueEvent("order_paid", "An order was paid in full.",
                       _object(["order_id"], order_id=_ID, checkout_id=_ID, order=ORDER)),
        CatalogueEvent("order_cancelled", "An order was cancelled.",
                       _object(["order_id"], order_id=_ID, checkout_id=_ID, order=ORDER)),
        CatalogueEvent("subscription_started", "A subscription began.", _subscription_event()),
        CatalogueEvent("subscription_renewed", "A subscription renewed; renews_at is the next date.",
                       _subscription_event()),
        CatalogueEvent("subscription_cancelled", "A subscription was cancelled.", _subscription_event()),
        CatalogueEvent("renewal_due", "Emitted by drip_plugin N days before a subscription renews.",
                       {**_object(["days_before"], days_before={"type": "integer"}, subscription=SUBSCRIPTION),
                        **_SUBSCRIPTION_ID}),
        CatalogueEvent("winback_due", "Emitted by drip_plugin WINBACK_DAYS after the last order.", _object()),
    ]
}


EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


def check_event_name(name: Any) -> None:
    """Raise InvalidEvent unless `name` is a well-formed event name."""
    if not isinstance(name, str) or not EVENT_NAME.match(name):
        raise InvalidEvent(f"event name {name!r} must be snake_case letters, digits and _")


def unknown_event_notes(names: Iterable[str]) -> list[str]:
    """For editors: each well-formed name outside the catalogue, with when
    the shop last sent it — a typo'd name would wait for an event that never comes."""
    from django.db.models import Max

    from ..models import Event

    unknown = sorted({name for name in names if name not in EVENTS and EVENT_NAME.match(name)})
    if not unknown:
        return []
    last_seen = dict(Event.objects.filter(name__in=unknown).values("name").annotate(at=Max("occurred_at"))
                     .values_list("name", "at"))
    return [
        f"“{name}” is not in the event catalogue; last received {last_seen[name]:%Y-%m-%d %H:%M %Z}."
        if name in last_seen else
        f"“{name}” is not in the event catalogue and has never been received: check its spelling."
        for name in unknown
    ]


@functools.cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(EVENTS[name].schema)


def _where(path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "properties"


TYPE_NAMES = {"object": "an object", "array": "a list", "string": "a string", "integer": "a whole number",
              "number": "a number"}


def _message(error) -> str:
    if error.validator == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return "must be " + " or ".join(TYPE_NAMES.get(t, t) for t in expected)
    if error.validator in ("anyOf", "pattern") and "title" in error.schema:
        return error.schema["title"]
    return error.message


def validate_properties(event_name: str, properties: dict[str, Any]) -> None:
    """Raise InvalidEvent listing every problem if `properties` do not fit a
    catalogued event's schema; events outside the catalogue pass unchecked."""
    if event_name not in EVENTS:
        return
    errors = sorted(_validator(event_name).iter_errors(properties), key=lambda e: list(e.absolute_path))
    if errors:
        problems = "; ".join(f"{_where(e.absolute_path)}: {_message(e)}" for e in errors)
        logger.warning("%s rejected: %s", event_name, problems)
        raise InvalidEvent(f"{event_name} properties are invalid: {problems}")
