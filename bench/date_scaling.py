#!/usr/bin/env python
"""Does emitting due date events cost the same whatever the number of contacts?

Emits `--due` birthdays and `--due` renewal reminders (each through track())
while the tables hold 10k idle contacts (each with a birthday row and a
subscription not due for months), then again with `--idle` of them. Prints the
seconds and the ratio (target: ≤ 1.2). Run from the repo root:

    .venv/bin/python bench/date_scaling.py [--idle 1000000] [--due 1000] [--db sqlite|postgres] [--quick]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadavg import describe  # noqa: E402
from harness import other_columns  # noqa: E402

from tick_scaling import configure  # noqa: E402  same settings and databases (fresh, migrated)

SMALL = 10_000


def moment(days: int) -> str:
    """SQL for now + `days` (negative: in the past) in the database's datetime format."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"CURRENT_TIMESTAMP + interval '{days} days'"
    return f"datetime('now', '{days:+d} days')"


def add_people(prefix: str, count: int, *, due_in_days: int) -> None:
    """`count` contacts, each with a birthday row and a subscription whose next
    reminder is due in `due_in_days` (one INSERT … SELECT each)."""
    from django.db import connection

    from drip_plugin.models import Contact, ContactDate, Subscription

    now = "CURRENT_TIMESTAMP"
    contact = other_columns(Contact, {"email", "first_name", "last_name", "locale", "time_zone", "attributes",
                                      "is_subscribed", "created_at", "updated_at", "birthday"}, connection)
    date = other_columns(ContactDate, {"contact_id", "kind", "occurrence", "offset", "due_at"}, connection)
    subscription = other_columns(Subscription, {"contact_id", "external_id", "plan", "status", "renews_at",
                                                "next_reminder_at", "next_reminder_days", "created_at",
                                                "updated_at"}, connection)
    statements = [
        (f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
            INSERT INTO drip_plugin_contact (email, first_name, last_name, locale, time_zone, attributes,
                                             is_subscribed, created_at, updated_at, birthday{contact[0]})
            SELECT '{prefix}' || i || '@bench.test', '', '', '', '', '{{}}', TRUE, {now}, {now}, '1990-08-01'
                   {contact[1]}
            FROM n""", contact[2]),
        (f"""INSERT INTO drip_plugin_contactdate (contact_id, kind, occurrence, "offset", due_at{date[0]})
            SELECT id, 'birthday', '2026-08-01', 0, {moment(due_in_days)}{date[1]}
            FROM drip_plugin_contact WHERE email LIKE '{prefix}%%'""", date[2]),
        (f"""INSERT INTO drip_plugin_subscription (contact_id, external_id, plan, status, renews_at,
                                                  next_reminder_at, next_reminder_days, created_at,
                                                  updated_at{subscription[0]})
            SELECT id, '{prefix}' || id, 'Pro', 'active', {moment(due_in_days + 3)}, {moment(due_in_days)}, 3,
                   {now}, {now}{subscription[1]}
            FROM drip_plugin_contact WHERE email LIKE '{prefix}%%'""", subscription[2]),
    ]
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            # Settle the bulk insert (statistics, dirty pages) so the timing
            # measures the emit, not a background flush of the inserts.
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")


def make_due_again(prefix: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM drip_plugin_event")
        cursor.execute(f"""UPDATE drip_plugin_contactdate SET due_at = {moment(-1)}, last_due_at = NULL
                           WHERE contact_id IN (SELECT id FROM drip_plugin_contact WHERE email LIKE '{prefix}%')""")
        cursor.execute(f"""UPDATE drip_plugin_subscription SET next_reminder_at = {moment(-1)}, next_reminder_days = 3
                           WHERE external_id LIKE '{prefix}%'""")


def timed_emit() -> tuple[float, int]:
    from django.utils import timezone

    from drip_plugin.dates.emit import emit_due_date_events

    start = time.perf_counter()
    emitted = emit_due_date_events(timezone.now(), 500)
    return time.perf_counter() - start, emitted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--idle", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--quick", action="store_true", help="100,000 idle contacts, 200 due")
    args = parser.parse_args()
    if args.quick:
        args.idle, args.due = 100_000, 200
    print(describe())
    configure(args.db)
    from django.db import connection

    from drip_plugin.models import Contact

    add_people("due", args.due, due_in_days=-1)
    add_people("idle", SMALL, due_in_days=120)
    small = timed_emit()
    make_due_again("due")
    add_people("more", args.idle - SMALL, due_in_days=120)
    large = timed_emit()
    assert small[1] == large[1] == 2 * args.due, "bench did not do the work"
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    for label, (seconds, emitted), idle in (("small", small, SMALL), ("large", large, args.idle)):
        print(f"{connection.vendor:10} idle contacts={idle:>9,} emitted={emitted:,}: {seconds:6.2f} s")
    print(f"{connection.vendor:10} ratio large/small: {large[0] / small[0]:.2f} (target ≤ 1.2); "
          f"contacts in table: {Contact.objects.count():,}")
    print(describe("at end"))


if __name__ == "__main__":
    main()
