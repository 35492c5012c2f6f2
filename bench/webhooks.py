#!/usr/bin/env python
"""Saleor webhooks vs hello world (issue 23, goal 1), same server, same client.

gunicorn (2 sync workers) serves bench/webhook_site.py on PostgreSQL
(database `drip_bench_webhooks`, persistent connections) with a throwaway redis-server as the
broker. The tests' fake Saleor (tests/contrib/saleor/fake_saleor.py, real
RSA keys and JWKS) installs the app, then signs `--count` distinct
CHECKOUT_UPDATED webhooks (3 cart lines) before any clock starts. A client
in this process keeps 32 requests in flight (asyncio, a connection per
request: gunicorn's sync workers close each) and posts them to
/saleor/webhook/ (verify the signature, store, answer, one batch task per
second per process) and the same bodies to a hello-world view on the same
site, taking turns by round (hello, webhooks, webhooks, hello). Prints each
throughput and p50/p99 latency, webhooks/hello throughput (goal >= 60 %)
and p99 webhooks/hello (goal <= 2x), and the load average. Needs the bench
extra (gunicorn). Run from the repo root:

    .venv/bin/python bench/webhooks.py [--count 4000] [--in-flight 32] [--quick]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import configure, machine, postgres  # noqa: E402
from bench.loadavg import describe  # noqa: E402

DATABASE = "drip_bench_webhooks"
ROUNDS = ("hello", "webhook", "webhook", "hello")  # each first once


async def post_all(port: int, path: str, requests: list[tuple[bytes, dict]], in_flight: int) -> list[float]:
    """POST each (body, headers) with `in_flight` at a time; each request's seconds."""
    pending = iter(requests)
    latencies: list[float] = []

    async def client() -> None:
        for body, headers in pending:
            started = time.perf_counter()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(body)}\r\nConnection: close\r\n{head}\r\n".encode() + body)
            answer = await reader.read()  # to the end: the server closes
            writer.close()
            status = answer[9:12]
            if status != b"200":
                raise RuntimeError(f"{path} answered {answer[:300]!r}")
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(client() for _ in range(in_flight)))
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=4000, help="requests per target (over its 2 rounds)")
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--quick", action="store_true", help="800 requests per target (~1 minute)")
    args = parser.parse_args()
    if args.quick:
        args.count = 800
    print(describe())

    from tests.contrib.saleor.fake_saleor import FakeSaleor, checkout_payload

    saleor = FakeSaleor()
    database = postgres(DATABASE)
    configure(database)
    from tests.delivery.services import RedisServer, wait_for
    from tests.factories import free_port

    from drip_plugin.contrib.saleor.models import SaleorWebhookDelivery

    workdir = Path(tempfile.mkdtemp(prefix="drip-webhooks-"))
    redis = RedisServer(workdir)
    redis.start()
    port = free_port()
    site = {"database": database, "broker": redis.url, "saleor_api_url": saleor.api_url}
    with (workdir / "gunicorn.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
             "--backlog", "2048", "bench.webhook_site:application"],
            cwd=ROOT, env={**os.environ, "DRIP_BENCH_SITE": json.dumps(site)}, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: (workdir / "gunicorn.log").read_text().count("Booting worker") >= args.workers,
                 "gunicorn's workers")
        registered = asyncio.run(post_all(port, "/saleor/register/", [(
            json.dumps({"auth_token": saleor.app_token}).encode(), {"Saleor-Api-Url": saleor.api_url})], 1))
        assert registered

        def signed(prefix: str, count: int) -> list[tuple[bytes, dict]]:
            out = []
            for n in range(count):
                body = json.dumps(checkout_payload(f"{prefix}-{n}", f"{prefix}{n}@example.com")).encode()
                out.append((body, {"Saleor-Event": "checkout_updated", "Saleor-Domain": "127.0.0.1",
                                   "Saleor-Api-Url": saleor.api_url, "Saleor-Signature": saleor.sign(body)}))
            return out

        # Warm-up of both (imports, connections, the JWKS fetched once per worker).
        for path, requests in (("/hello/", signed("warm-hello", 200)), ("/saleor/webhook/", signed("warm", 200))):
            asyncio.run(post_all(port, path, requests, args.in_flight))
        per_round = args.count // 2
        latencies = {"hello": [], "webhook": []}
        seconds = {"hello": 0.0, "webhook": 0.0}
        for number, target in enumerate(ROUNDS):
            requests = signed(f"r{number}", per_round)  # signed before the clock starts
            path = "/hello/" if target == "hello" else "/saleor/webhook/"
            started = time.perf_counter()
            latencies[target] += asyncio.run(post_all(port, path, requests, args.in_flight))
            seconds[target] += time.perf_counter() - started
        stored = SaleorWebhookDelivery.objects.count()
        assert stored == 200 + 2 * per_round, f"every webhook stored once ({stored})"
    finally:
        server.terminate()
        server.wait(timeout=60)
        redis.stop()
        saleor.close()

    rate = {target: len(latencies[target]) / seconds[target] for target in seconds}
    p99 = {target: percentile(latencies[target], 0.99) for target in seconds}
    print(machine())
    print(f"gunicorn {args.workers} sync workers, PostgreSQL, {args.in_flight} requests in flight (a connection "
          f"each), {2 * per_round} requests per target in 2 rounds (hello, webhooks, webhooks, hello)")
    for target, label in (("hello", "hello-world view"), ("webhook", "signed Saleor webhooks")):
        print(f"{label:<23}: {rate[target]:7.0f} req/s  p50 {1000 * percentile(latencies[target], 0.5):6.1f} ms  "
              f"p99 {1000 * p99[target]:6.1f} ms")
    share, p99_ratio = rate["webhook"] / rate["hello"], p99["webhook"] / p99["hello"]
    print(f"webhooks/hello throughput: {100 * share:.0f} % (goal >= 60 %: {'met' if share >= 0.6 else 'MISSED'})")
    print(f"webhooks/hello p99: {p99_ratio:.2f}x (goal <= 2x: {'met' if p99_ratio <= 2 else 'MISSED'})")
    print(describe("at end"))


if __name__ == "__main__":
    main()
