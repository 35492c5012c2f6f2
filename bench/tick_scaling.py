#!/usr/bin/env python
"""Does one tick cost the same whatever the size of the enrollment table?

Times one tick over 10k due enrollments while the table holds 10k active
enrollments, and while it holds 1M (990k of them not yet due), on SQLite or
PostgreSQL. In the large table the due rows are spread through it (every
100th row), not packed at the lowest ids, and the two sizes are measured
twice, each first once (small, large, then large, small): neither the
physical order of rows nor a warm cache can flatter the ratio. Prints the
seconds and the ratios (target: ≤ 1.2). Run from the repo root:

    .venv/bin/python bench/tick_scaling.py [--total 1000000] [--due 10000] [--db sqlite|postgres] [--explain] [--quick]
"""
from __future__ import annotations

import argparse
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import machine, other_columns  # noqa: E402
from bench.loadavg import describe  # noqa: E402


def configure(db: str) -> None:
    from bench import harness

    database = harness.postgres("drip_bench") if db == "postgres" else harness.sqlite("tick_scaling")
    harness.configure(database, DRIP_PLUGIN={"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                                             "REGISTER_BEAT_SCHEDULE": False})


def insert_enrollments(first: int, count: int, *, due_every: int, sequence_id: int, step_id: int,
                       contacts: int) -> None:
    """Bulk insert with one INSERT … SELECT over a recursive counter (fast on
    both databases); every `due_every`-th row is due (yesterday), the others in 30 days."""
    from django.db import connection

    now = "CURRENT_TIMESTAMP"
    if connection.vendor == "postgresql":
        past, future = f"{now} - interval '1 days'", f"{now} + interval '30 days'"
    else:
        past, future = "datetime('now', '-1 days')", "datetime('now', '+30 days')"
    due = f"CASE WHEN i %% {due_every} = 0 THEN {past} ELSE {future} END"
    from drip_plugin.models import Enrollment

    columns, placeholders, values = other_columns(
        Enrollment, {"contact_id", "sequence_id", "object_key", "state", "current_step_id", "due_at", "enrolled_at"},
        connection)
    sql = f"""
        WITH RECURSIVE n(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM n WHERE i < {first + count - 1})
        INSERT INTO drip_plugin_enrollment
            (contact_id, sequence_id, object_key, state, current_step_id, due_at, enrolled_at{columns})
        SELECT (SELECT MIN(id) FROM drip_plugin_contact) + (i %% {contacts}), {sequence_id}, 'obj-' || i,
               'active', {step_id}, {due}, {now}{placeholders}
        FROM n"""
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE drip_plugin_enrollment")


def timed_tick() -> tuple[float, float, int]:
    from django.utils import timezone

    from drip_plugin.delivery import send_due_messages
    from drip_plugin.engine import advance_due_enrollments

    now = timezone.now()
    start = time.perf_counter()
    advanced = 0
    while handled := advance_due_enrollments(now, 500):
        advanced += handled
    scheduled = time.perf_counter() - start
    send_due_messages(now, 500)
    return scheduled, time.perf_counter() - start, advanced


def explain_due_query() -> str:
    """The plan of the tick's due-enrollment query (engine/progress.py), as the database picks it now."""
    from django.utils import timezone

    from drip_plugin.models import Enrollment

    return Enrollment.objects.filter(due_at__lte=timezone.now()).order_by("due_at", "pk")[:500].explain()


def run(total: int, due: int, explain: bool = False) -> dict:
    from django.db import connection

    from drip_plugin.models import Contact, Email, Enrollment, Message, Sequence, Step

    email = Email.objects.create(name="b", subject="Hi {{ contact.first_name }}", live=True,
                                 mjml="<mjml><mj-body><mj-text>Hi {{ contact.first_name }}</mj-text></mj-body></mjml>")
    sequence = Sequence.objects.create(name="bench", trigger_event="bench", live=True)
    step = Step.objects.create(sequence=sequence, email=email, sort_order=0)
    contacts = 10_000
    Contact.objects.bulk_create(Contact(email=f"c{i}@example.com", first_name=f"C{i}") for i in range(contacts))

    def measure(size: str) -> tuple[tuple[float, float, int], int]:
        Message.objects.all().delete()
        Enrollment.objects.all().delete()
        rows = due if size == "small" else total
        insert_enrollments(0, rows, due_every=rows // due, sequence_id=sequence.pk, step_id=step.pk,
                           contacts=contacts)
        if explain:
            print(f"EXPLAIN, {size} table:\n{explain_due_query()}")
        tick = timed_tick()
        sent = Message.objects.filter(status="sent").count()
        assert tick[2] == due and sent == due, "bench did not do the work"
        return tick, Enrollment.objects.count()

    passes = []
    for order in (("small", "large"), ("large", "small")):  # each size first once
        passes.append({size: measure(size) for size in order})
    return {"db": connection.vendor, "passes": passes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--explain", action="store_true", help="print the due query's plan for each table")
    parser.add_argument("--quick", action="store_true", help="100,000 rows, 1,000 due")
    args = parser.parse_args()
    if args.quick:
        args.total, args.due = 100_000, 1_000
    print(describe())
    if args.db == "postgres":
        try:
            socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
        except OSError:
            sys.exit("PostgreSQL does not answer on 127.0.0.1:5432")
    configure(args.db)
    r = run(args.total, args.due, args.explain)
    print(machine())
    totals = {"small": [0.0, 0.0], "large": [0.0, 0.0]}
    for number, measured in enumerate(r["passes"], 1):
        for size, ((sched, whole, n), table) in measured.items():
            totals[size] = [totals[size][0] + sched, totals[size][1] + whole]
            print(f"pass {number} {r['db']:10} {size:5} table={table:>9,} due={n:,}: schedule {sched:6.2f} s, "
                  f"whole tick {whole:6.2f} s")
        (small, _), (large, _) = measured["small"], measured["large"]
        print(f"pass {number} ({' first, '.join(measured)} second) ratio large/small: schedule "
              f"{large[0] / small[0]:.2f}, whole tick {large[1] / small[1]:.2f}")
    print(f"{r['db']:10} ratio large/small over both passes: schedule {totals['large'][0] / totals['small'][0]:.2f}, "
          f"whole tick {totals['large'][1] / totals['small'][1]:.2f} (target ≤ 1.2)")
    print(describe("at end"))


if __name__ == "__main__":
    main()
