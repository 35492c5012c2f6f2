#!/usr/bin/env python
"""Intake throughput (issue 23, goal 1): track() and track_many() of a cart
event that enrolls (3 cart lines, a cart sequence per checkout ended by the
order, a new contact each), on PostgreSQL (database `drip_bench_intake`,
dropped and created) or SQLite. Prints events/s, ms and queries per track()
call, events/s of track_many() in batches, and the load average (a run
started with a 1-minute load above 1.0 is "busy" and does not count).
Targets: track() ≥ 1,000/s (≤ 1 ms), track_many() ≥ 10,000/s. Run from the
repo root:

    .venv/bin/python bench/intake.py [--db postgres|sqlite] [--count 2000] [--batch 1000] [--quick]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import machine  # noqa: E402
from bench.loadavg import describe  # noqa: E402

DATABASE = "drip_bench_intake"


def configure(db: str) -> None:
    from bench import harness

    database = harness.postgres(DATABASE) if db == "postgres" else harness.sqlite("intake")
    harness.configure(database, DRIP_PLUGIN={"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                                             "REGISTER_BEAT_SCHEDULE": False})


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
    parser.add_argument("--quick", action="store_true", help="200 track() calls, 1,000 through track_many()")
    args = parser.parse_args()
    if args.quick:
        args.count, args.batch = 200, 500
    print(describe())
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

    print(f"{machine()}, {connection.vendor}")
    print(f"track():      {args.count / single:8,.0f} events/s  {single / args.count * 1000:.3f} ms/event  "
          f"{queries} queries/event (new contact, enrolled)")
    print(f"track_many(): {len(events) / bulk:8,.0f} events/s  batches of {args.batch}, {len(events)} events")
    for name, rate, goal in (("track()", args.count / single, 1000), ("track_many()", len(events) / bulk, 10_000)):
        print(f"goal {name} >= {goal:,}/s: {'met' if rate >= goal else 'MISSED'}")
    print(describe("at end"))


if __name__ == "__main__":
    main()
