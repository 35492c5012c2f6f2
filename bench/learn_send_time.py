#!/usr/bin/env python
"""Does learning best send times cost the same per tick whatever was learned before? (issue 22)

Per-tick learning cost of 10,000 new open/click events (queued SendTimeSignal
rows, as recording an honest open or click leaves them) for 1,000,000
contacts, with 10,000 events already learned (database `bench_sto_small`)
and with 10,000,000 (database `bench_sto_large`) — both made by this
script on PostgreSQL. Target: ratio ≤ 1.2.

Each database holds the contacts (time zones spread over five zones and
"unset"), their learned scores and everyone's, built set-based (INSERT …
SELECT generate_series): each learned event belongs to a contact spread over
the million, at their favourite local hour ± 2, at a moment spread over the
past year, weighted by its decay as the learner would have left it. The raw
events are not built: learning never reads them (only the queue; see
drip_plugin/analytics/send_time.py), which is the point being measured. Each
round queues 10,000 new signals (spread contacts, the last minute) and times
`learn_send_times` in a loop of BATCH_SIZE (500) until the queue is empty,
as the tick runs it; rounds alternate which size goes first. Run from the
repo root:

    .venv/bin/python bench/learn_send_time.py [--scale 0.01] [--rounds 2] [--reuse]

--scale multiplies every count (0.01: 10,000 contacts, 100 new events, 100
vs 100,000 learned; a quick run). --reuse keeps databases built before at
the same scale.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from loadavg import describe  # noqa: E402

CONTACTS, NEW_EVENTS, SMALL, LARGE = 1_000_000, 10_000, 10_000, 10_000_000
DATABASES = {"small": "bench_sto_small", "large": "bench_sto_large"}
ZONES = ("Europe/Paris", "America/New_York", "Asia/Tokyo", "Europe/London", "America/Los_Angeles", "")
BATCH = 500
YEAR_SECONDS = 365 * 86400


def configure() -> None:
    """Django on the bench's databases as they are (each is built or reused by main())."""
    harness.configure(harness.postgres_database(DATABASES["small"]), migrate=False,
                      DRIP_PLUGIN={"REGISTER_BEAT_SCHEDULE": False})


def use(size: str) -> None:
    """Point Django's connection at the database of `size`."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = DATABASES[size]


def execute(sql: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)


def scalar(sql: str):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def settle() -> None:
    """Statistics and dirty pages settled, so a timing measures learning, not a flush of the build."""
    execute("VACUUM ANALYZE")
    execute("CHECKPOINT")


def build(size: str, contacts: int, learned: int) -> None:
    """A fresh database: `contacts` contacts and `learned` events learned into their scores."""
    import psycopg
    from django.core.management import call_command

    with psycopg.connect("host=127.0.0.1 dbname=postgres user=postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASES[size]}")  # this bench's own databases only
        conn.execute(f"CREATE DATABASE {DATABASES[size]}")
    use(size)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    zones = "ARRAY[" + ", ".join(f"'{zone}'" for zone in ZONES) + "]"
    execute(f"""
        INSERT INTO drip_plugin_contact (email, first_name, last_name, locale, time_zone, phone, attributes,
                                         is_subscribed, consecutive_soft_bounces, created_at, updated_at)
        SELECT 'c' || i || '@bench.test', '', '', '', ({zones})[1 + i % {len(ZONES)}], '', '{{}}', TRUE, 0,
               now(), now()
        FROM generate_series(0, {contacts - 1}) i""")
    # Event i: a contact spread over all (7919 is prime), near their favourite hour, some time last year,
    # weighted as the learner leaves it: ½ per 30-day half-life of age.
    hours = ", ".join(f"round(coalesce(sum(w) FILTER (WHERE h = {hour}), 0)::numeric, 4)" for hour in range(24))
    execute(f"""
        INSERT INTO drip_plugin_contactsendtime (contact_id, hour_scores, scored_at)
        SELECT contact_id, jsonb_build_array({hours}), now()
        FROM (SELECT c.min_id + (i::bigint * 7919) % {contacts} AS contact_id,
                     ((((i::bigint * 7919) % {contacts}) * 37) % 24 + 24 + (i * 13) % 5 - 2) % 24 AS h,
                     power(0.5, ((i::bigint * 104729) % {YEAR_SECONDS}) / 86400.0 / 30) AS w
              FROM generate_series(0, {learned - 1}) i,
                   (SELECT min(id) AS min_id FROM drip_plugin_contact) c) events
        GROUP BY contact_id""")
    sums = ", ".join(f"round(sum((hour_scores ->> {hour})::numeric), 4)" for hour in range(24))
    execute(f"""INSERT INTO drip_plugin_populationsendtime (id, hour_scores, scored_at)
                SELECT 1, jsonb_build_array({sums}), now() FROM drip_plugin_contactsendtime""")
    # The queue's ids go on from all the signals learned so far, as they would.
    execute(f"SELECT setval(pg_get_serial_sequence('drip_plugin_sendtimesignal', 'id'), {learned})")
    settle()
    print(f"  built {size}: {contacts:,} contacts, {learned:,} events learned into "
          f"{scalar('SELECT count(*) FROM drip_plugin_contactsendtime'):,} contacts' scores "
          f"in {time.perf_counter() - started:.0f} s", flush=True)


def queue_new_events(count: int, contacts: int, round_no: int) -> None:
    """`count` new opens and clicks of spread contacts in the last minute, as recording them queues them."""
    execute(f"""
        INSERT INTO drip_plugin_sendtimesignal (contact_id, local_hour, occurred_at)
        SELECT c.min_id + ((i + {round_no} * {count})::bigint * 104729) % {contacts}, (i * 7) % 24,
               now() - (i % 60) * interval '1 second'
        FROM generate_series(0, {count - 1}) i, (SELECT min(id) AS min_id FROM drip_plugin_contact) c""")
    execute("ANALYZE drip_plugin_sendtimesignal")


def timed_learning() -> tuple[float, float, int]:
    """(wall seconds, this process's CPU seconds, events learned) of the tick's learning loop."""
    from drip_plugin.analytics.send_time import learn_send_times

    wall, cpu, learned = time.perf_counter(), time.process_time(), 0
    while done := learn_send_times(BATCH):
        learned += done
    return time.perf_counter() - wall, time.process_time() - cpu, learned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every count (0.01: a quick run)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds; each times both sizes, alternating first")
    parser.add_argument("--reuse", action="store_true", help="keep the databases built before (same scale)")
    args = parser.parse_args()
    contacts, new, learned = (max(1, int(n * args.scale)) for n in (CONTACTS, NEW_EVENTS, SMALL))
    sizes = {"small": learned, "large": max(1, int(LARGE * args.scale))}
    print(describe())
    configure()
    if not args.reuse:
        for size, events in sizes.items():
            build(size, contacts, events)
    times: dict[str, list[tuple[float, float]]] = {"small": [], "large": []}
    for round_no in range(args.rounds):
        for size in ("small", "large") if round_no % 2 == 0 else ("large", "small"):
            use(size)
            queue_new_events(new, contacts, round_no)
            settle()
            wall, cpu, done = timed_learning()
            assert done == new, f"learned {done} of {new}: bench did not do the work"
            times[size].append((wall, cpu))
            print(f"  round {round_no + 1} {size:5} ({sizes[size] + round_no * new:>10,} learned before): "
                  f"{wall:6.2f} s wall, {cpu:5.2f} s CPU for {done:,} new events", flush=True)
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, PostgreSQL {scalar('SHOW server_version')}")
    print(f"scale {args.scale:g}: {contacts:,} contacts, {new:,} new events per round, batches of {BATCH}")
    small, large = (statistics.median(wall for wall, _ in times[size]) for size in ("small", "large"))
    for size, median in (("small", small), ("large", large)):
        print(f"  {sizes[size]:>12,} learned before: median {median:6.2f} s wall per tick's learning")
    print(f"ratio large/small (wall, median): {large / small:.2f} (target ≤ 1.2)")
    print(describe("at end"))


if __name__ == "__main__":
    main()
