"""Learning products from new events, from a cursor over the event log.

Each call reads the next events after the cursor (views, carts, orders) and
folds them into the learned tables (models/products.py) in one transaction:
its cost grows with the new events only, never with what was learned before.
"""
from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ..conf import drip_settings
from ..models import ContactProduct, Event, LearningCursor, Product, ProductPair

CURSOR = "recommendations"
VIEWED, ORDERED = "product_viewed", "order_completed"
CART_EVENTS = ("checkout_started", "checkout_updated")
LEARNED_EVENTS = (VIEWED, ORDERED, *CART_EVENTS)
# Sales are weighed from this moment on (popularity is relative to it).
EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
# Display fields: product table column → the key a view / a cart or order line gives it in.
VIEW_FIELDS = {"name": "name", "url": "url", "image_url": "image_url", "price": "price"}
LINE_FIELDS = {"name": "name", "url": "product_url", "image_url": "image_url", "price": "unit_price"}


def product_key(data: dict[str, Any], *names: str) -> str | None:
    """The first of `names` `data` holds, as a product key."""
    for name in names:
        value = data.get(name)
        if value not in (None, ""):
            return str(value)[:255]
    return None


def sale_weight(quantity: int, at: dt.datetime) -> float:
    """log2 of `quantity` units sold at `at`, in popularity's units."""
    half_life = dt.timedelta(days=drip_settings.BEST_SELLERS_HALF_LIFE_DAYS).total_seconds()
    return math.log2(quantity) + (at - EPOCH).total_seconds() / half_life


def log2_sum(a: float | None, b: float) -> float:
    """log2(2**a + 2**b) without leaving floating point's range."""
    if a is None:
        return b
    high, low = max(a, b), min(a, b)
    return high + math.log2(1 + 2 ** (low - high))


@dataclass
class Observations:
    """What a run of events says, gathered before anything is written."""

    display: dict[str, dict[str, str]] = field(default_factory=dict)  # key → latest non-empty display fields
    sold: dict[str, float] = field(default_factory=dict)  # key → popularity gained
    pairs: Counter = field(default_factory=Counter)  # (key, other key) → orders holding both
    viewed: dict[tuple[int, str], dt.datetime] = field(default_factory=dict)  # (contact, key) → last view
    bought: dict[tuple[int, str], dt.datetime] = field(default_factory=dict)
    carts: dict[int, set[str]] = field(default_factory=dict)  # contact → their cart as the run leaves it

    def see(self, key: str, data: dict[str, Any], fields: dict[str, str], currency: str = "") -> None:
        shown = self.display.setdefault(key, {})
        values = {column: data.get(name) for column, name in fields.items()}
        values["currency"] = data.get("currency") or currency
        shown.update({column: str(value) for column, value in values.items() if value not in (None, "")})

    def lines(self, snapshot: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """(key, line) of a cart's or an order's lines that name a product, each seen."""
        found = []
        for line in snapshot.get("lines") or ():
            key = product_key(line, "product_id", "sku") if isinstance(line, dict) else None
            if key:
                self.see(key, line, LINE_FIELDS, snapshot.get("currency") or "")
                found.append((key, line))
        return found

    def add(self, name: str, contact_id: int, properties: dict[str, Any], at: dt.datetime) -> None:
        if name == VIEWED:
            key = product_key(properties, "product_id")
            if key:
                self.see(key, properties, VIEW_FIELDS)
                self.viewed[contact_id, key] = max(at, self.viewed.get((contact_id, key), at))
        elif name in CART_EVENTS:
            if isinstance(properties.get("cart"), dict):
                self.carts[contact_id] = {key for key, _ in self.lines(properties["cart"])}
        elif name == ORDERED:
            lines = self.lines(properties.get("order") or {}) if isinstance(properties.get("order"), dict) else []
            units = Counter()
            for key, line in lines:
                quantity = line.get("quantity", 1)
                # (recorded before the catalogue checked lines, it may be anything)
                units[key] += quantity if isinstance(quantity, int) else 1
            units = +units  # lines of no units were not bought
            for key, quantity in units.items():
                self.bought[contact_id, key] = max(at, self.bought.get((contact_id, key), at))
                self.sold[key] = log2_sum(self.sold.get(key), sale_weight(quantity, at))
            self.pairs.update(itertools.permutations(sorted(units), 2))
            self.carts[contact_id] = set()  # the order empties the cart

    @property
    def keys(self) -> set[str]:
        return set(self.display) | set(self.sold)


def _upsert(model, columns: Sequence[str], rows: list[tuple], conflict: Sequence[str], updates: str) -> None:
    """INSERT `rows` into `model`'s table; a row whose `conflict` columns are
    taken runs `updates` (SQL; `t` is the stored row, EXCLUDED the new one).
    PostgreSQL gets all rows in one statement, a column per array; SQLite,
    in-process, one short statement run for each row."""
    if not rows:
        return
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} AS t ({', '.join(map(quote, columns))}) "
    tail = f" ON CONFLICT ({', '.join(map(quote, conflict))}) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            fields = {field.column: field for field in model._meta.concrete_fields}
            arrays = ", ".join(f"%s::{fields[column].db_type(connection)}[]" for column in columns)
            cursor.execute(f"{head}SELECT * FROM unnest({arrays}){tail}", [list(values) for values in zip(*rows)])
        else:
            cursor.executemany(f"{head}VALUES ({', '.join(['%s'] * len(columns))}){tail}", rows)


def _latest(column: str) -> str:
    quoted = connection.ops.quote_name(column)
    return (f"{quoted} = CASE WHEN EXCLUDED.{quoted} IS NOT NULL AND (t.{quoted} IS NULL "
            f"OR EXCLUDED.{quoted} > t.{quoted}) THEN EXCLUDED.{quoted} ELSE t.{quoted} END")


def _moment(value: dt.datetime | None):
    """A datetime as the database stores it."""
    return connection.ops.adapt_datetimefield_value(value)


def write_products(seen: Observations, now: dt.datetime) -> dict[str, int]:
    """Upsert the products `seen` (display fields: the newest non-empty
    value wins; popularity grown by the sales); returns key → id."""
    keys = sorted(seen.keys)
    stored = {key: (pk, popularity) for key, pk, popularity in
              Product.objects.filter(key__in=keys).values_list("key", "pk", "popularity")} if keys else {}
    display = ("name", "url", "image_url", "price", "currency")
    rows, updated_at = [], _moment(now)
    for key in keys:
        shown = seen.display.get(key, {})
        popularity = stored.get(key, (None, None))[1]
        if key in seen.sold:
            popularity = log2_sum(popularity, seen.sold[key])
        rows.append((key, *(_fit(shown.get(name, ""), name) for name in display), popularity, updated_at))
    quote = connection.ops.quote_name
    keep_unless_new = ", ".join(
        f"{quote(name)} = CASE WHEN EXCLUDED.{quote(name)} = '' THEN t.{quote(name)} ELSE EXCLUDED.{quote(name)} END"
        for name in display)
    _upsert(Product, ("key", *display, "popularity", "updated_at"), rows, ("key",),
            f"{keep_unless_new}, popularity = EXCLUDED.popularity, updated_at = EXCLUDED.updated_at")
    ids = {key: pk for key, (pk, _) in stored.items()}
    new = [key for key in keys if key not in ids]
    if new:
        ids.update(Product.objects.filter(key__in=new).values_list("key", "pk"))
    return ids


def _fit(value: str, name: str) -> str:
    return value[:Product._meta.get_field(name).max_length]


def write_pairs(seen: Observations, ids: dict[str, int]) -> None:
    rows = [(ids[a], ids[b], count) for (a, b), count in sorted(seen.pairs.items())]
    _upsert(ProductPair, ("product_id", "other_id", "orders"), rows, ("product_id", "other_id"),
            "orders = t.orders + EXCLUDED.orders")


def write_contact_products(seen: Observations, ids: dict[str, int]) -> None:
    """Views and purchases (the latest wins) and carts (replaced as a whole)."""
    if seen.carts:
        ContactProduct.objects.filter(contact_id__in=list(seen.carts), in_cart=True).update(in_cart=False)
    in_cart = {(contact, key) for contact, keys in seen.carts.items() for key in keys}
    rows = [
        (contact, ids[key], _moment(seen.viewed.get((contact, key))), _moment(seen.bought.get((contact, key))),
         (contact, key) in in_cart)
        for contact, key in sorted(set(seen.viewed) | set(seen.bought) | in_cart)
    ]
    # After the reset above, a stored row is in the cart only if it stayed there.
    _upsert(ContactProduct, ("contact_id", "product_id", "viewed_at", "bought_at", "in_cart"), rows,
            ("contact_id", "product_id"),
            f"{_latest('viewed_at')}, {_latest('bought_at')}, in_cart = (t.in_cart OR EXCLUDED.in_cart)")


def observe(events: Iterable[tuple[str, int, dict, dt.datetime]]) -> Observations:
    seen = Observations()
    for name, contact_id, properties, at in events:
        seen.add(name, contact_id, properties if isinstance(properties, dict) else {}, at)
    return seen


def learn_new_events(*, limit: int | None = None, settled_before: dt.datetime | None = None) -> int:
    """Learn the next `limit` (default: RECOMMENDATIONS_LEARN_BATCH) product
    events after the cursor, stopping at the first received at or after
    `settled_before`; returns how many were learned."""
    limit = limit or drip_settings.RECOMMENDATIONS_LEARN_BATCH
    with transaction.atomic():
        LearningCursor.objects.get_or_create(name=CURSOR)
        cursor = LearningCursor.objects.select_for_update().get(name=CURSOR)  # one learner at a time
        rows = list(Event.objects.filter(pk__gt=cursor.event_id, name__in=LEARNED_EVENTS).order_by("pk")
                    .values_list("pk", "name", "contact_id", "properties", "occurred_at", "received_at")[:limit])
        if settled_before is not None:
            young = next((i for i, row in enumerate(rows) if row[5] >= settled_before), len(rows))
            rows = rows[:young]
        if not rows:
            return 0
        seen = observe((name, contact, properties, at) for _, name, contact, properties, at, _ in rows)
        ids = write_products(seen, timezone.now())
        write_pairs(seen, ids)
        write_contact_products(seen, ids)
        LearningCursor.objects.filter(name=CURSOR).update(event_id=rows[-1][0])
    return len(rows)


def learn_due(now: dt.datetime) -> int:
    """The tick's step: learn the events settled by `now`."""
    return learn_new_events(settled_before=now - dt.timedelta(seconds=drip_settings.RECOMMENDATIONS_SETTLE_SECONDS))
