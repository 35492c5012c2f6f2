#!/usr/bin/env python
"""Storage per delivered message (issue 23, goal 4: ≤ 1 KiB across all
tables), on PostgreSQL (database `bench_storage` on 127.0.0.1, dropped and
created; `--database` names another), through the real code paths: per
message one `track()` of a cart event with 3 lines (a new contact each)
that enrolls in a one-step cart sequence, the tick that renders the cart
email and sends it to Django's locmem backend, then one open (the pixel)
and one click (the button) through the tracking views, with the URLs taken
from the sent email.

Prints, per drip table and in total, the bytes per message the workload
added (pg_total_relation_size: heap + indexes + TOAST; the empty tables'
size before the workload is subtracted, being no cost per message), twice:
right after the workload, and after a plain VACUUM (what autovacuum would
do; not VACUUM FULL, which no one runs on a live outbox). Also the UPDATEs
and HOT updates per table, and the load average. Run from the repo root:

    .venv/bin/python bench/storage.py [--messages 20000] [--chunk 1000] [--database bench_storage]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.loadavg import describe  # noqa: E402

TRACKING_LINK = re.compile(r'http://testserver(/drip/(?:o|c)/[^"/]+/)')
SIZES = """
    SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid), pg_indexes_size(c.oid)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND n.nspname = 'public' AND c.relname LIKE 'drip%%'
"""


def configure(database: str) -> None:
    import django
    import psycopg
    from django.conf import settings

    import tests.settings as base

    user = os.environ.get("PGUSER", "postgres")
    with psycopg.connect(f"host=127.0.0.1 dbname=postgres user={user}", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database}")
        conn.execute(f"CREATE DATABASE {database}")
    names = {k: getattr(base, k) for k in dir(base) if k.isupper()}
    names.update(
        DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1", "NAME": database,
                               "USER": user}},
        DEBUG=False,
        DRIP_PLUGIN={**base.DRIP_PLUGIN, "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                     "REGISTER_BEAT_SCHEDULE": False, "TRACKING": True},
    )
    settings.configure(**names)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def cart_event(n: int) -> dict:
    from drip_plugin.ingest.cart import Cart, CartLine

    cart = Cart(checkout_id=f"checkout-{n}", currency="EUR", total="29.70",
                lines=[CartLine(name=f"Item {i}", quantity=1, unit_price="9.90", sku=f"SKU-{i}") for i in range(3)])
    return {"email": f"shopper{n}@example.com", "properties": cart.as_properties()}


def table_sizes() -> dict[str, tuple[int, int, int]]:
    """table → (heap, indexes, TOAST and the rest), in bytes."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(SIZES)
        return {name: (heap, indexes, total - heap - indexes) for name, total, heap, indexes in cursor.fetchall()}


def updates() -> dict[str, tuple[int, int]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT relname, n_tup_upd, n_tup_hot_upd, autovacuum_count FROM pg_stat_user_tables "
                       "WHERE relname LIKE 'drip%%' AND n_tup_upd > 0 ORDER BY n_tup_upd DESC")
        return {name: counts for name, *counts in cursor.fetchall()}


def print_growth(label: str, before: dict, after: dict, messages: int) -> None:
    print(f"\n{label} — bytes per message (heap / indexes / TOAST+maps = total):")
    totals = [0, 0, 0]
    rows = []
    for name, sizes in after.items():
        grown = [now - then for now, then in zip(sizes, before.get(name, (0, 0, 0)), strict=True)]
        if any(grown):
            rows.append((sum(grown), name, grown))
            totals = [t + g for t, g in zip(totals, grown, strict=True)]
    for total, name, (heap, indexes, rest) in sorted(rows, reverse=True):
        print(f"  {name:38} {heap / messages:7.0f} / {indexes / messages:5.0f} / {rest / messages:4.0f}"
              f" = {total / messages:6.0f}")
    print(f"  {'TOTAL':38} {totals[0] / messages:7.0f} / {totals[1] / messages:5.0f} / {totals[2] / messages:4.0f}"
          f" = {sum(totals) / messages:6.0f}  ({'within' if sum(totals) <= 1024 * messages else 'OVER'} 1 KiB)")


def run(messages: int, chunk: int) -> None:
    import time_machine
    from django.core import mail
    from django.db import connection
    from django.test import Client

    from drip_plugin import track
    from drip_plugin.models import Message, MessageEvent
    from drip_plugin.models.messages import MessageStatus
    from drip_plugin.scheduling import tick
    from tests.factories import build_sequence

    mjml = (ROOT / "bench" / "cart_email.mjml").read_text()
    build_sequence("Cart", "checkout_started", steps=((1, "hours", "{{ contact.first_name }}, your cart"),), mjml=mjml,
                   journey_per="checkout_id", exit_events="order_completed")
    before = table_sizes()
    client = Client()
    started, clock = time.perf_counter(), dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    for first in range(0, messages, chunk):
        # The clock stands still while a chunk is tracked: on a busy machine
        # that may take longer than the hour before its emails are due.
        with time_machine.travel(clock, tick=False):
            for n in range(first, min(first + chunk, messages)):
                track("checkout_started", **cart_event(n))
        with time_machine.travel(clock + dt.timedelta(minutes=61), tick=True):
            mail.outbox = []
            tick()
            links = [TRACKING_LINK.findall(message.alternatives[0][0]) for message in mail.outbox]
            mail.outbox = []
        with time_machine.travel(clock + dt.timedelta(hours=2), tick=True):  # a person, not a link scanner
            for pixel_and_clicks in links:
                opened = [path for path in pixel_and_clicks if "/o/" in path][0]
                clicked = [path for path in pixel_and_clicks if "/c/" in path][0]  # the cart button
                assert client.get(opened).status_code == 200 and client.get(clicked).status_code == 302
        clock += dt.timedelta(hours=3)
    elapsed = time.perf_counter() - started
    sent = Message.objects.filter(status=MessageStatus.SENT).count()
    engaged = MessageEvent.objects.filter(flag="").values("event_type").order_by().distinct().count()
    assert sent == messages and MessageEvent.objects.count() == 2 * messages and engaged == 2, "workload incomplete"
    print(f"{messages:,} messages sent, opened and clicked in {elapsed:.0f} s")
    right_after, counted_updates = table_sizes(), updates()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM")
    vacuumed = table_sizes()
    print_growth("right after the workload", before, right_after, messages)
    print_growth("after a plain VACUUM (not FULL)", before, vacuumed, messages)
    print("\nUPDATEs per message (HOT ones), autovacuum runs during the workload:")
    for name, (upd, hot, autovacuums) in counted_updates.items():
        print(f"  {name:38} {upd / messages:5.2f} ({hot / messages:5.2f} HOT), {autovacuums} autovacuum runs")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=1000, help="messages per track/tick/engage round")
    parser.add_argument("--database", default="bench_storage", help="dropped and created")
    args = parser.parse_args()
    print(describe())
    configure(args.database)
    run(args.messages, args.chunk)
    print(describe("at end"))


if __name__ == "__main__":
    main()
