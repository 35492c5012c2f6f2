#!/usr/bin/env python
"""Does learning recommendations cost the same per tick whatever was learned
before? (issue 22)

Two PostgreSQL databases (`bench_reco_small`, `bench_reco_big`, made by
this script), each with 1,000,000 contacts and a 20,000-product catalogue:
one has 10,000 events already learned, the other 10,000,000 (70 % product
views, 20 % cart updates, 10 % orders of 1–4 lines, plus the learned tables
they give: products, co-occurrence pairs, each contact's viewed / bought /
in-cart products). Rows are made by INSERT … SELECT generate_series, the
learned tables by set-based aggregation of those events, then ANALYZE.

Each round adds 10,000 new events of the same mix to one database (not
timed) and times one learning call over them (`learn_new_events`, what a
tick runs); rounds alternate between the two databases (small, big, big,
small, …). Target: median big / median small ≤ 1.2. Prints the load
average. Run from the repo root:

    .venv/bin/python bench/learn_recommendations.py [--scale 0.01] [--rounds 6] [--rebuild]

--scale multiplies the contacts and both learned sizes (0.01: a quick run);
without --rebuild, databases already built at the same scale are reused.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import harness  # noqa: E402
from loadavg import describe  # noqa: E402

DATABASES = {"small": "bench_reco_small", "big": "bench_reco_big"}
CONTACTS = 1_000_000
LEARNED = {"small": 10_000, "big": 10_000_000}
PRODUCTS = 20_000
NEW_EVENTS = 10_000  # per tick


def configure() -> None:
    """Django on the bench's databases as they are (each is built or reused by main())."""
    harness.configure(harness.postgres_database(DATABASES["small"]), migrate=False,
                      DRIP_PLUGIN={"REGISTER_BEAT_SCHEDULE": False})


def use(database: str) -> None:
    """Point Django's default connection at `database`."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = database


def admin(sql: str) -> list:
    import psycopg

    with psycopg.connect("host=127.0.0.1 dbname=postgres user=postgres", autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def execute(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def scalar(sql: str):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def add_events(first: int, count: int, contacts: int, received: str) -> None:
    """`count` events numbered from `first`, each from a contact drawn at
    random: i % 10 in 0–6 a view, 7–8 a cart update, 9 an order; carts and
    orders of 1–4 lines; products skewed towards low numbers (best sellers),
    an order's other lines among the 50 products after its first one."""
    def hashed(salt: str, modulo: int) -> str:  # a pseudo-random 0 … modulo - 1 drawn from i (and k)
        return f"(abs(hashint8(i * 16 + {salt})::bigint) % {modulo})"

    product = f"({hashed('1', PRODUCTS)} * {hashed('2', PRODUCTS)} / {PRODUCTS})"  # skewed to low numbers
    line = (f"jsonb_build_object('name', 'Product ' || p, 'sku', 'P' || p, 'quantity', 1 + (i + k) % 2, "
            f"'unit_price', (5 + p % 90)::text || '.00', 'product_url', 'https://shop.test/p/' || p, "
            f"'image_url', 'https://cdn.shop.test/p/' || p || '.jpg')")
    # An order's lines are near its first product: some products go together.
    lines = (f"(SELECT jsonb_agg({line}) FROM generate_series(0, n) k, "
             f"LATERAL (SELECT ({product} + CASE WHEN k = 0 THEN 0 ELSE {hashed('3 + k', 50)} END) "
             f"% {PRODUCTS} AS p) q)")
    execute(f"""
        INSERT INTO drip_plugin_event (name, contact_id, properties, occurred_at, received_at, idempotency_key)
        SELECT CASE WHEN i % 10 < 7 THEN 'product_viewed' WHEN i % 10 < 9 THEN 'checkout_updated'
                    ELSE 'order_completed' END,
               (SELECT min(id) FROM drip_plugin_contact) + {hashed('0', contacts)},
               CASE WHEN i % 10 < 7 THEN jsonb_build_object(
                        'product_id', 'P' || {product}, 'name', 'Product ' || {product},
                        'url', 'https://shop.test/p/' || {product}, 'price', (5 + {product} % 90)::text || '.00',
                        'currency', 'EUR', 'image_url', 'https://cdn.shop.test/p/' || {product} || '.jpg')
                    WHEN i % 10 < 9 THEN jsonb_build_object('checkout_id', 'c' || i, 'cart', jsonb_build_object(
                        'checkout_id', 'c' || i, 'currency', 'EUR', 'lines', {lines}))
                    ELSE jsonb_build_object('order_id', 'o' || i, 'order', jsonb_build_object(
                        'order_id', 'o' || i, 'currency', 'EUR', 'lines', {lines})) END,
               {received} - (i % 86400) * interval '1 second', {received}, 'bench-' || i
        FROM generate_series({first}::bigint, {first + count - 1}) i, LATERAL (SELECT {hashed('8', 4)} AS n) m""")


def learn_set_based() -> None:
    """The learned tables as learn_new_events() would leave them after all
    the events in the table, by aggregation (set-based), and the cursor past them."""
    execute(f"""
        INSERT INTO drip_plugin_product (key, name, url, image_url, price, currency, popularity, updated_at)
        SELECT 'P' || p, 'Product ' || p, 'https://shop.test/p/' || p, 'https://cdn.shop.test/p/' || p || '.jpg',
               (5 + p % 90)::text || '.00', 'EUR', NULL, now()
        FROM generate_series(0, {PRODUCTS - 1}) p""")
    execute("""
        CREATE TEMP TABLE bench_lines AS
        SELECT e.id AS event_id, e.contact_id, e.name, e.occurred_at, pr.id AS product_id,
               (l ->> 'quantity')::int AS quantity
        FROM drip_plugin_event e
        CROSS JOIN LATERAL jsonb_array_elements(COALESCE(e.properties -> 'order' -> 'lines',
                                                         e.properties -> 'cart' -> 'lines')) l
        JOIN drip_plugin_product pr ON pr.key = l ->> 'sku'
        WHERE e.name IN ('order_completed', 'checkout_updated')""")
    execute("""
        UPDATE drip_plugin_product p SET popularity = s.weight FROM (
            SELECT product_id, log(2, sum(quantity * power(2::float, extract(epoch FROM occurred_at - '2020-01-01')
                                                                  / (14 * 86400)))::numeric)::float AS weight
            FROM bench_lines WHERE name = 'order_completed' GROUP BY product_id) s
        WHERE p.id = s.product_id""")
    execute("""
        INSERT INTO drip_plugin_productpair (product_id, other_id, orders)
        SELECT a.product_id, b.product_id, count(DISTINCT a.event_id)
        FROM bench_lines a JOIN bench_lines b ON a.event_id = b.event_id AND a.product_id <> b.product_id
        WHERE a.name = 'order_completed' GROUP BY a.product_id, b.product_id""")
    # Each contact's last cart: the latest cart update unless an order came after it.
    execute("""
        INSERT INTO drip_plugin_contactproduct (contact_id, product_id, viewed_at, bought_at, in_cart)
        SELECT contact_id, product_id, max(viewed_at), max(bought_at), bool_or(in_cart) FROM (
            SELECT e.contact_id, pr.id AS product_id, e.occurred_at AS viewed_at, NULL::timestamptz AS bought_at,
                   false AS in_cart
            FROM drip_plugin_event e JOIN drip_plugin_product pr ON pr.key = e.properties ->> 'product_id'
            WHERE e.name = 'product_viewed'
            UNION ALL
            SELECT contact_id, product_id, NULL, occurred_at, false FROM bench_lines WHERE name = 'order_completed'
            UNION ALL
            SELECT l.contact_id, l.product_id, NULL, NULL, true FROM bench_lines l
            JOIN (SELECT DISTINCT ON (contact_id) contact_id, event_id, name FROM bench_lines
                  ORDER BY contact_id, event_id DESC) last ON last.event_id = l.event_id
            WHERE last.name = 'checkout_updated'
        ) rows GROUP BY contact_id, product_id""")
    execute("DROP TABLE bench_lines")
    execute("INSERT INTO drip_plugin_learningcursor (name, event_id) SELECT 'recommendations', max(id) "
            "FROM drip_plugin_event")


def build(state: str, scale: float) -> None:
    from django.core.management import call_command

    from drip_plugin.models import Contact

    database = DATABASES[state]
    use(database)  # (closes this process's connection to it)
    admin(f"DROP DATABASE IF EXISTS {database}")  # this bench's own databases only
    admin(f"CREATE DATABASE {database}")
    call_command("migrate", verbosity=0)
    contacts = int(CONTACTS * scale)
    started = time.perf_counter()
    execute(f"""INSERT INTO drip_plugin_contact (email, first_name, last_name, locale, time_zone, phone, attributes,
                                                  is_subscribed, consecutive_soft_bounces, created_at, updated_at)
                SELECT 'c' || n || '@example.com', '', '', 'en', '', '', '{{}}', true, 0, now(), now()
                FROM generate_series(1, {contacts}) n""")
    learned = max(NEW_EVENTS, int(LEARNED[state] * scale))
    add_events(1, learned, contacts, "now() - interval '2 days'")
    learn_set_based()
    execute("ANALYZE")
    execute("CREATE TABLE bench_meta (scale float, contacts int, learned int)")
    execute("INSERT INTO bench_meta VALUES (%s, %s, %s)", [scale, contacts, learned])
    print(f"  {state}: {Contact.objects.count():,} contacts, {learned:,} events learned "
          f"in {time.perf_counter() - started:.0f} s", flush=True)


def built(state: str, scale: float) -> bool:
    if not admin(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASES[state]}'"):
        return False
    use(DATABASES[state])
    try:
        return scalar("SELECT scale FROM bench_meta") == scale
    except Exception:
        return False


def sizes() -> str:
    return ", ".join(f"{table.removeprefix('drip_plugin_')} {scalar(f'SELECT count(*) FROM {table}'):,}"
                     for table in ("drip_plugin_event", "drip_plugin_product", "drip_plugin_productpair",
                                   "drip_plugin_contactproduct"))


def one_tick(state: str) -> float:
    from drip_plugin.recommendations.learn import learn_new_events

    use(DATABASES[state])
    first = scalar("SELECT max(id) FROM drip_plugin_event") + 1_000_000_000  # fresh idempotency keys
    add_events(first, NEW_EVENTS, scalar("SELECT contacts FROM bench_meta"), "now() - interval '1 minute'")
    started = time.perf_counter()
    learned = learn_new_events(limit=NEW_EVENTS)
    elapsed = time.perf_counter() - started
    assert learned == NEW_EVENTS, learned
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="contacts and learned sizes × this (0.01: quick)")
    parser.add_argument("--rounds", type=int, default=6, help="timed ticks per database (alternating)")
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    options = parser.parse_args()
    print(describe())
    print(f"machine: {platform.node()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
          flush=True)
    configure()
    for state in DATABASES:
        if options.rebuild or not built(state, options.scale):
            print(f"building {state} (scale {options.scale}) …", flush=True)
            build(state, options.scale)
    for state in DATABASES:
        use(DATABASES[state])
        print(f"{state}: {sizes()}")
    times: dict[str, list[float]] = {"small": [], "big": []}
    order = ["small", "big", "big", "small"]
    for n in range(options.rounds * 2):
        state = order[n % 4]
        times[state].append(one_tick(state))
        print(f"  tick {n + 1}: {state} {times[state][-1]:.2f} s", flush=True)
    small, big = statistics.median(times["small"]), statistics.median(times["big"])
    print(f"learning {NEW_EVENTS:,} new events per tick, median of {options.rounds}: "
          f"{LEARNED['small']:,}-event state {small:.2f} s, {int(LEARNED['big'] * options.scale):,}-event state "
          f"{big:.2f} s, ratio {big / small:.2f} (target ≤ 1.2)")
    print(describe("at end"))


if __name__ == "__main__":
    main()
