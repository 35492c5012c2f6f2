#!/usr/bin/env python
"""Intake throughput (issue 23, goal 1): track() and track_many() of a cart
event that enrolls (3 cart lines, a cart sequence per checkout ended by the
order, a new contact each), on PostgreSQL (database `drip_bench_intake`,
dropped and created) or SQLite. Prints events/s, ms and queries per track()
call, events/s of track_many() in batches, and the load average (a run
started with a 1-minute load above 1.0 is "busy" and does not count).
Targets: track() ≥ 1,000/s (≤ 1 ms), track_many() ≥ 10,000/s. Run from the
repo root:

    .venv/bin/python bench/intake.py [--db postgres|sqlite] [--count 2000] [--batch 1000]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
sys.path.insert(0, str(ROOT))
DATABASE = "drip_bench_intake"


def configure(db: str) -> None:
    import django
    from django.conf import settings

    import tests.settings as base

    WORK.mkdir(parents=True, exist_ok=True)
    if db == "postgres":
        database = {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1", "NAME": DATABASE,
                    "USER": os.environ.get("PGUSER", "postgres")}
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{WORK / 'intake.sqlite3'}{suffix}").unlink(missing_ok=True)
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": WORK / "intake.sqlite3",
                    "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20,
                                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}
    names = {k: getattr(base, k) for k in dir(base) if k.isupper()}
    names.update(DATABASES={"default": database}, DEBUG=False,
                 DRIP_PLUGIN={"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                              "REGISTER_BEAT_SCHEDULE": False})
    settings.configure(**names)
    django.setup()
    if db == "postgres":
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 dbname=postgres user={database['USER']}", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
            conn.execute(f"CREATE DATABASE {DATABASE}")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def cart_event(prefix: str, n: int) -> dict:
    checkout = f"{prefix}-{n}"
    lines = [{"name": f"Item {i}", "quantity": 1, "unit_price": "9.90", "sku": f"SKU-{i}"} for i in range(3)]
    return {"event_name": "checkout_started", "email": f"{prefix}{n}@example.com",
            "properties": {"checkout_id": checkout, "cart": {"checkout_id": checkout, "currency": "EUR",
                                                             "lines": lines, "total": "29.70"}}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    load_at_start = os.getloadavg()
    configure(args.db)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from drip_plugin import track, track_many
    from drip_plugin.models import Enrollment
    from tests.factories import build_sequence

    build_sequence("Cart", "checkout_started", steps=((1, "hours", "Your cart"), (1, "days", "Still there?")),
                   journey_per="checkout_id", exit_events="order_completed", debounce_minutes=30)
    for n in range(200):  # warm up: connection, caches, code paths
        track(**cart_event("warm", n))
    with CaptureQueriesContext(connection) as captured:
        track(**cart_event("counted", 0))
    queries = len(captured.captured_queries)

    events = [cart_event("one", n) for n in range(args.count)]
    started = time.perf_counter()
    for event in events:
        track(**event)
    single = time.perf_counter() - started

    events = [cart_event("bulk", n) for n in range(args.count * 5)]
    started = time.perf_counter()
    for first in range(0, len(events), args.batch):
        track_many(events[first:first + args.batch])
    bulk = time.perf_counter() - started
    assert Enrollment.objects.count() == 201 + args.count * 6, "every event enrolled"

    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{connection.vendor}")
    print(f"load average at start: {load_at_start[0]:.2f} {load_at_start[1]:.2f} {load_at_start[2]:.2f}"
          + ("  (busy: does not count)" if load_at_start[0] > 1.0 else ""))
    print(f"track():      {args.count / single:8,.0f} events/s  {single / args.count * 1000:.3f} ms/event  "
          f"{queries} queries/event (new contact, enrolled)")
    print(f"track_many(): {len(events) / bulk:8,.0f} events/s  batches of {args.batch}, {len(events)} events")
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
