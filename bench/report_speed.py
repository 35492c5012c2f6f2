#!/usr/bin/env python
"""Do a sequence's report and the dashboard panel answer in under 1 s with
1,000,000 messages and 5,000,000 message events? (issue 19)

Builds, on PostgreSQL (database `bench_reports`, made by this script), a year
of data: 40 sequences of 5 email steps (two A/B-tested), 250,000 journeys
(active, completed, exited for four reasons), four messages each (sent,
failed, suppressed, still queued), five or six events per sent message
(delivered, opens, clicks; some flagged prefetch/scanner/staff), orders on
2 % of them. Rows are made by INSERT … SELECT generate_series (minutes), the
aggregates by the backfill command, then ANALYZE. Then it times what the
admin views call — `sequence_report()` with its charts for the last 30 and
90 days, and `dashboard_figures()` — warm cache, median of 5 runs
(target < 1 s each), and prints the load average. Run from the repo root:

    .venv/bin/python bench/report_speed.py [--rebuild] [--explain]

Without --rebuild, data already built is reused (migrations are applied;
--backfill rebuilds the aggregates).
"""
from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadavg import describe  # noqa: E402

DATABASE = "bench_reports"
SEQUENCES = 40
STEPS = 5  # per sequence; messages go to the first four
JOURNEYS = 250_000
CONTACTS = 100_000
RUNS = 5
EXIT_REASONS = ("contact unsubscribed", "exit step Bought", "flow filter no longer matches: country",
                "order_completed")


def configure() -> None:
    import django
    from django.conf import settings

    import tests.settings as base

    names = {k: getattr(base, k) for k in dir(base) if k.isupper()}
    names.update(DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1",
                                        "NAME": DATABASE, "USER": os.environ.get("PGUSER", "postgres")}},
                 DEBUG=False, DRIP_PLUGIN={"REGISTER_BEAT_SCHEDULE": False})
    settings.configure(**names)
    django.setup()


def database_exists() -> bool:
    import psycopg

    with psycopg.connect("host=127.0.0.1 dbname=postgres user=postgres", autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone())


def create_database() -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 dbname=postgres user=postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")  # this bench's own database only
        conn.execute(f"CREATE DATABASE {DATABASE}")


def execute(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def seed() -> None:
    """Sequences and steps through the ORM, the millions of rows in SQL."""
    from drip_plugin.models import Contact, Email, Sequence, Step, StepVariant

    emails = [Email.objects.create(name=f"bench {n}", subject=f"Subject {n}", live=True,
                                   mjml="<mjml><mj-body><mj-text>Hi</mj-text></mj-body></mjml>") for n in range(10)]
    execute("CREATE TABLE bench_steps (seq_no int, k int, step_id int, sequence_id int, ab boolean)")
    for seq_no in range(SEQUENCES):
        sequence = Sequence.objects.create(name=f"Bench sequence {seq_no}", trigger_event=f"bench_{seq_no}",
                                           live=True)
        for k in range(STEPS):
            ab = k in (1, 3)
            step = Step.objects.create(sequence=sequence, email=emails[(seq_no + k) % 10], sort_order=k,
                                       delay_amount=3)
            if ab:
                StepVariant.objects.create(step=step, label="B", email=emails[(seq_no + k + 1) % 10])
            execute("INSERT INTO bench_steps VALUES (%s, %s, %s, %s, %s)", [seq_no, k, step.pk, sequence.pk, ab])
    Contact.objects.bulk_create((Contact(email=f"c{n}@example.com", first_name=f"C{n}") for n in range(CONTACTS)),
                                batch_size=5000)
    started = time.perf_counter()
    reasons = "ARRAY[" + ", ".join(f"'{r}'" for r in EXIT_REASONS) + "]"
    execute(f"""
        INSERT INTO drip_plugin_enrollment (contact_id, sequence_id, object_key, state, enrolled_at, ended_at,
                                            exit_reason, due_at)
        SELECT (SELECT min(id) FROM drip_plugin_contact) + i % {CONTACTS}, s.sequence_id, 'o' || i,
               CASE WHEN k < 3 THEN 'active' WHEN k < 8 THEN 'completed' ELSE 'exited' END,
               at, CASE WHEN k >= 3 THEN least(at + (i % 20) * interval '1 day', now()) END,
               CASE WHEN k >= 8 THEN ({reasons})[1 + (i / {SEQUENCES * 10}) % 4] ELSE '' END,
               CASE WHEN k < 3 THEN at + interval '12 days' END
        FROM generate_series(0, {JOURNEYS - 1}) i
        CROSS JOIN LATERAL (SELECT now() - ((i::bigint * 7919) % (365 * 86400)) * interval '1 second' AS at,
                                   (i / {SEQUENCES}) % 10 AS k) t
        JOIN bench_steps s ON s.seq_no = i % {SEQUENCES} AND s.k = 0""")
    print(f"  {JOURNEYS:,} journeys: {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    # Step k is due 3k days and k hours after entering; due later than now: still queued.
    execute("""
        INSERT INTO drip_plugin_message (enrollment_id, step_id, to_email, status, token, subject, language,
            send_after, attempts, variant, revenue, revenue_currency, created_at, sent_at, failed_at, esp_message_id,
            error)
        SELECT e.id, s.step_id, 'c' || e.contact_id || '@example.com',
               CASE WHEN due > now() THEN 'queued' WHEN h < 3 THEN 'failed' WHEN h < 5 THEN 'suppressed'
                    ELSE 'sent' END,
               gen_random_uuid(), 'Subject', 'en', due, 1,
               CASE WHEN s.ab THEN (ARRAY['A', 'B'])[1 + h % 2] ELSE '' END,
               CASE WHEN due <= now() AND h >= 5 AND h2 % 50 = 0 THEN 9.99 + h2 % 200 ELSE 0 END,
               CASE WHEN due <= now() AND h >= 5 AND h2 % 50 = 0 THEN (ARRAY['EUR', 'USD'])[1 + h2 % 2]
                    ELSE '' END,
               due, CASE WHEN due <= now() AND h >= 5 THEN due END,
               CASE WHEN due <= now() AND h < 3 THEN due + interval '1 minute' END, '',
               CASE WHEN due <= now() AND h < 3 THEN 'AnymailAPIError: API response 503' ELSE '' END
        FROM drip_plugin_enrollment e
        JOIN bench_steps first ON first.sequence_id = e.sequence_id AND first.k = 0
        JOIN bench_steps s ON s.sequence_id = e.sequence_id AND s.k < 4
        CROSS JOIN LATERAL (SELECT e.enrolled_at + s.k * interval '3 days 1 hour' AS due,
                                   (e.id * 31 + s.k * 17) % 100 AS h, (e.id * 13 + s.k * 7) % 1000 AS h2) t""")
    print(f"  messages: {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    # 5 or 6 events per sent message, over the days after the send.
    execute("""
        INSERT INTO drip_plugin_messageevent (message_id, event_type, recipient, occurred_at, esp_event_id,
                                              description, url, bounce, flag)
        SELECT m.id, (ARRAY['delivered', 'opened', 'opened', 'clicked', 'opened', 'clicked'])[j], '',
               least(m.sent_at + j * j * interval '3 hours', now()), '', '',
               CASE WHEN j IN (4, 6) THEN 'https://shop.example.com/p/' || m.id % 100 ELSE '' END, '',
               CASE WHEN j = 2 AND m.id % 7 = 0 THEN 'prefetch' WHEN j = 4 AND m.id % 11 = 0 THEN 'scanner'
                    WHEN j = 3 AND m.id % 13 = 0 THEN 'staff' ELSE '' END
        FROM drip_plugin_message m CROSS JOIN LATERAL generate_series(1, 5 + (m.id % 2)::int) j
        WHERE m.status = 'sent'""")
    print(f"  events: {time.perf_counter() - started:.0f} s", flush=True)
    execute("DROP TABLE bench_steps")


def backfill() -> float:
    from drip_plugin.analytics.aggregates import backfill as rebuild

    started = time.perf_counter()
    rebuild()
    return time.perf_counter() - started


def median_seconds(work) -> tuple[float, float]:
    """Median wall-clock and CPU seconds (this process) of RUNS runs, warm."""
    work()  # warm: the rows and plans in cache
    wall, cpu = [], []
    for _ in range(RUNS):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def explain(label: str, work) -> None:
    """Each query of `work` under EXPLAIN ANALYZE."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        work()
    for query in captured.captured_queries:
        print(f"--- {label}: {query['sql'][:200]}")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rebuild", action="store_true", help="make the data again")
    parser.add_argument("--backfill", action="store_true", help="rebuild the aggregates of data already built")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of every query")
    args = parser.parse_args()
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    except OSError:
        sys.exit("PostgreSQL does not answer on 127.0.0.1:5432")
    print(describe())
    build = args.rebuild or not database_exists()
    if build:
        create_database()
    configure()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from drip_plugin.admin_views.report import PeriodForm
    from drip_plugin.analytics.report_files import currencies, daily_chart, funnel_chart
    from drip_plugin.analytics.sequence_report import sequence_report
    from drip_plugin.health.dashboard import dashboard_figures
    from drip_plugin.models import Message, MessageEvent, Sequence

    call_command("migrate", verbosity=0)
    if build:
        print("building the data…", flush=True)
        started = time.perf_counter()
        seed()
        print(f"  rows built in {time.perf_counter() - started:.0f} s", flush=True)
    if build or args.backfill:
        print(f"aggregates rebuilt by the backfill in {backfill():.0f} s", flush=True)
        execute("ANALYZE")
    messages, events = Message.objects.count(), MessageEvent.objects.count()

    sequence = Sequence.objects.filter(name=f"Bench sequence {SEQUENCES - 2}").get()  # exits, A/B steps

    def report(days: str, charts: bool):
        def work():
            result = sequence_report(sequence, PeriodForm({"days": days}).period())
            if charts:  # as the view renders it
                currencies(result), daily_chart(result), funnel_chart(result)
        return work

    def dashboard():
        dashboard_figures(timezone.now())

    works = {"sequence report, 30 days": report("30", charts=False),
             "  + its two pygal charts": report("30", charts=True),
             "sequence report, 90 days": report("90", charts=False),
             "  + its two pygal charts ": report("90", charts=True),
             "dashboard panel figures": dashboard}
    if args.explain:
        for label, work in works.items():
            explain(label, work)
    figures = {label: median_seconds(work) for label, work in works.items()}
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, PostgreSQL {connection.cursor().connection.info.server_version}")
    print(describe("at end"))
    print(f"data: {messages:,} messages, {events:,} message events")
    # On a shared machine the wall clock includes waiting for a core; the
    # CPU time (this process only, not PostgreSQL's) shows the Python part.
    for label, (wall, cpu) in figures.items():
        print(f"{label:28} median of {RUNS}: {wall * 1000:8.1f} ms ({cpu * 1000:7.1f} ms CPU) "
              f"{'ok' if wall < 1 else 'OVER 1 s'}")


if __name__ == "__main__":
    main()
