#!/usr/bin/env python
"""Fan-out (issue 23, goal 3): does sending grow with Celery worker processes?

With SEND_IN_WORKERS the tick claims due messages (BATCH_SIZE per claim)
and queues one `send_batch` task per claim; real `celery worker` processes
(tests/delivery/celery_app.py, prefork pool, prefetch 1) on a throwaway
redis-server send them through anymail's Postmark backend, one call per
message (ESP_BATCH_SIZE=1) over SEND_CONNECTIONS connections each, to the
tests' fake Postmark answering every call after `--latency` (50 ms): the
work is latency-bound, not CPU-bound. The same `--count` messages are sent
by 1 worker process, then by 4 (`--rounds 2` adds 4 then 1); the clock runs
from the published tick to the last message recorded sent, on PostgreSQL
(database `drip_bench_fan_out`). Prints each rate, the ratio (goal >= 3.5x)
and the load average at start and end. Run from the repo root:

    .venv/bin/python bench/fan_out.py [--count 2000] [--connections 2] [--latency 0.05] [--rounds 1] [--quick]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import configure, machine, postgres  # noqa: E402
from bench.loadavg import describe  # noqa: E402

DATABASE = "drip_bench_fan_out"
POSTMARK_BACKEND = "anymail.backends.postmark.EmailBackend"
GOAL = 3.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2000, help="messages per measurement")
    parser.add_argument("--connections", type=int, default=2, help="SEND_CONNECTIONS of each worker process")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake takes per call")
    parser.add_argument("--claim", type=int, default=25, help="BATCH_SIZE: messages per claim (per send task)")
    parser.add_argument("--rounds", type=int, default=1, help="2: also 4 workers then 1 (each first once)")
    parser.add_argument("--quick", action="store_true", help="400 messages (a smoke run, ~1 minute)")
    args = parser.parse_args()
    if args.quick:
        args.count = 400
    print(describe())

    from tests.delivery.esp.fakes import FakePostmark

    workdir = Path(tempfile.mkdtemp(prefix="drip-fan-out-"))
    with FakePostmark(args.latency) as fake:
        anymail = {"POSTMARK_SERVER_TOKEN": "bench", "POSTMARK_API_URL": fake.url + "/"}
        plugin = {"EMAIL_BACKEND": POSTMARK_BACKEND, "ESP_BATCH_SIZE": 1, "SEND_CONNECTIONS": args.connections,
                  "SEND_IN_WORKERS": True, "BATCH_SIZE": args.claim, "REGISTER_BEAT_SCHEDULE": False}
        import tests.settings as base

        configure(postgres(DATABASE), ANYMAIL=anymail, DRIP_PLUGIN={**base.DRIP_PLUGIN, **plugin})
        from celery import Celery

        from tests.delivery.services import CeleryProcess, RedisServer, wait_for

        redis = RedisServer(workdir)
        redis.start()
        from django.utils import timezone

        from bench.send_throughput import queue_due, seed
        from drip_plugin.models import Message

        orders = [(1, 4), (4, 1)][:args.rounds]
        measurements = 2 * len(orders)
        _, _, _, now = seed(args.count * measurements)
        # Every message queued now (the workers' tick would take due steps
        # itself), each measurement's held back until its turn.
        queue_due(now, args.count * measurements)
        ids = list(Message.objects.order_by("pk").values_list("pk", flat=True))
        turns = [ids[i:i + args.count] for i in range(0, len(ids), args.count)]
        Message.objects.update(send_after=now + dt.timedelta(days=1))
        env = {"DRIP_WORKER_DB_NAME": DATABASE, "DRIP_WORKER_DB_PORT": "5432", "DRIP_TEST_DB": "postgres",
               "DRIP_WORKER_BROKER": redis.url, "DRIP_WORKER_SMTP_PORT": "0",
               "DRIP_WORKER_PLUGIN": json.dumps(plugin), "DRIP_WORKER_ANYMAIL": json.dumps(anymail)}
        seconds = {1: 0.0, 4: 0.0}
        try:
            for order in orders:
                for processes in order:
                    Message.objects.filter(pk__in=turns.pop()).update(send_after=timezone.now())
                    worker = CeleryProcess(workdir / f"worker{processes}.log", "worker", "--pool", "prefork",
                                           "--concurrency", str(processes), "--prefetch-multiplier", "1",
                                           "--without-mingle", "--without-gossip", "-n", f"bench{processes}@%h",
                                           env=env)
                    try:
                        worker.wait_for_output("ready.")
                        sent_before = Message.objects.filter(status="sent").count()
                        started = time.perf_counter()
                        with Celery(broker=redis.url) as app:
                            app.send_task("drip_plugin.tasks.tick")
                        wait_for(lambda: Message.objects.filter(status="sent").count() - sent_before >= args.count,
                                 f"{args.count} messages sent by {processes} worker process(es)", seconds=3600)
                        seconds[processes] += time.perf_counter() - started
                    finally:
                        worker.stop()
        finally:
            redis.stop()
        assert not Message.objects.filter(status="failed").exists(), "a send failed: see the workers' logs"

    total = args.count * len(orders)
    rates = {n: total / s for n, s in seconds.items()}
    ratio = rates[4] / rates[1]
    print(machine())
    print(f"messages: {args.count} per measurement, {len(orders)} round(s); fake Postmark (in this process) "
          f"answering each call after {1000 * args.latency:.0f} ms; each worker process: {args.connections} "
          f"connections, one call per message; {args.claim} messages per send task; PostgreSQL, Redis broker")
    for processes, rate in rates.items():
        print(f"{processes} worker process(es): {rate:7.1f} msg/s ({seconds[processes]:.1f} s; latency ceiling "
              f"{processes * args.connections / args.latency:.0f} msg/s)")
    print(f"ratio 4/1: {ratio:.2f}x (goal >= {GOAL}x: {'met' if ratio >= GOAL else 'MISSED'})")
    print(describe("at end"))


if __name__ == "__main__":
    main()
