#!/usr/bin/env python
"""Worker memory (issue 23, goal 6): does a tick's peak RSS grow with the
number of messages it sends?

For each size (10,000 then 50,000 due enrollments of the 3-line cart email,
seeded by this process on PostgreSQL, database `drip_bench_memory`), a
fresh process runs one tick (scheduling.tick: take the due steps, render
and send every message over SEND_CONNECTIONS through Django's dummy email
backend, which keeps nothing) and reports its peak RSS (ru_maxrss). Prints
both peaks and their ratio (goal: within ±10 %) and the load average.
Run from the repo root:

    .venv/bin/python bench/memory.py [--sizes 10000 50000] [--quick]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import configure, machine, postgres  # noqa: E402
from bench.loadavg import describe  # noqa: E402

DATABASE = "drip_bench_memory"
TOLERANCE = 0.10


def settings() -> dict:
    import tests.settings as base

    return {"DRIP_PLUGIN": {**base.DRIP_PLUGIN, "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
                            "REGISTER_BEAT_SCHEDULE": False}}


def tick_in_this_process(database: dict) -> None:
    """The measured worker: one tick over what the parent seeded; prints its figures as JSON."""
    configure(database, migrate=False, **settings())
    from drip_plugin.scheduling import tick

    result = tick()
    print(json.dumps({"sent": result.sent, "enrollments": result.enrollments,
                      "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 50_000])
    parser.add_argument("--quick", action="store_true", help="2,000 vs 10,000 messages (~2 minutes)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # (the measured child process: its database)
    args = parser.parse_args()
    if args.worker:
        tick_in_this_process(json.loads(args.worker))
        return
    if args.quick:
        args.sizes = [2_000, 10_000]
    print(describe())
    from bench.send_throughput import seed

    peaks = {}
    for number, size in enumerate(args.sizes):
        database = postgres(DATABASE)
        if number == 0:
            configure(database, **settings())
        else:
            from django.core.management import call_command
            from django.db import connection

            connection.close()  # the database was dropped and created again
            call_command("migrate", verbosity=0)
        seed(size)
        from django.db import connection

        connection.close()
        answer = subprocess.run([sys.executable, __file__, "--worker", json.dumps(database)],
                                cwd=ROOT, capture_output=True, text=True, check=True)
        figures = json.loads(answer.stdout.strip().splitlines()[-1])
        assert figures["sent"] == size, f"the tick sent {figures['sent']} of {size}: {answer.stderr[-2000:]}"
        peaks[size] = figures["peak_rss_kib"] / 1024

    small, large = args.sizes
    ratio = peaks[large] / peaks[small]
    print(machine())
    for size, peak in peaks.items():
        print(f"one tick sending {size:>6,} messages: peak RSS {peak:6.1f} MiB")
    print(f"ratio {large:,}/{small:,}: {ratio:.3f} (goal within ±{100 * TOLERANCE:.0f} %: "
          f"{'met' if abs(ratio - 1) <= TOLERANCE else 'MISSED'})")
    print(describe("at end"))


if __name__ == "__main__":
    main()
