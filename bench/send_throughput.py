#!/usr/bin/env python
"""Sending throughput: drip_plugin vs django-post-office, same SMTP sink.

20,000 messages to a local aiosmtpd sink (its own process), one sending
process each, both through drip_plugin.delivery.smtp.EmailBackend (to
post_office, which calls its send_messages(), it is Django's SMTP backend):
  (a) drip_plugin: queued Messages → send_due_messages (renders each message:
      compiled MJML + per-recipient merge, click tracking, headers; then
      drives SEND_CONNECTIONS SMTP connections from its own thread, each
      hand-over recorded at the commit point);
  (b) django-post-office: the same messages, already rendered, queued with
      post_office.mail.send, then sent by post_office.mail.send_queued
      (one process, its default 5 threads).
The messages go in `--rounds` parts (default 4 of 5,000), the two senders
taking turns — (b) (a), (a) (b), … — so that the machine's speed, which
drifts by up to ±25 % within minutes on a shared VM, weighs on both alike.
Prints both rates, the ratio (target ≥ 2×) overall and by round, and the
CPU time per message of each sender and of the sink (the sink shares the
machine's cores). `--sink-pipelining` makes the sink offer PIPELINING
(RFC 2920), as Postfix, Exim and Gmail do (aiosmtpd reads pipelined commands
but does not say so; smtplib, so post_office, never pipelines);
`--connections 5` gives drip as many SMTP connections as post_office's 5
threads open; `--drip-only` skips (b), for profiling.
DRIP_BENCH_PROFILE=tottime (any pstats sort key) prints a cProfile of
drip's sending (with `--esp`: of the batched path).

`--esp`: the ESP path instead, through anymail's real Postmark backend to
the tests' fake Postmark (tests/delivery/esp/fakes.py, its own process,
answering each call after `--latency` seconds, default 20 ms), three ways
taking turns by round:
  (raw)         pre-rendered Postmark payloads posted to /email/batch, 500 per
                call over `--connections` connections: the ceiling;
  (per-message) drip, one call per message (ESP_BATCH_SIZE=1), as anymail sends;
  (batched)     drip, ESP_BATCH_SIZE messages per /email/batch call.
Prints each rate, batched / per-message (target >= 10x), batched / raw
(target >= 30 %) and drip's CPU per message (process CPU time / messages;
target <= 0.6 ms on the batched path). Needs the bench extra:

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python bench/send_throughput.py [--count 20000] [--rounds 4] [--sink-pipelining]
        [--connections 4] [--drip-only] [--quick]
    .venv/bin/python bench/send_throughput.py --esp [--count 3000] [--rounds 3] [--latency 0.02]
        [--esp-batch-size 100]
    (`--quick`: 600 messages per sender, or per mode with --esp)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
sys.path.insert(0, str(ROOT))

from bench.harness import machine  # noqa: E402
from bench.loadavg import describe  # noqa: E402


def run_sink(port: int, counter, sink_cpu, pipelining: bool) -> None:
    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            session.host_name = hostname
            # aiosmtpd reads pipelined commands one by one; it only does not say so.
            return [responses[0], "250-PIPELINING", *responses[1:]] if pipelining else responses

        async def handle_DATA(self, server, session, envelope):
            with counter.get_lock():
                counter.value += 1
            sink_cpu.value = time.process_time()  # the sink's CPU so far: its share of the machine
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    asyncio.new_event_loop().run_forever()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def configure(port: int, connections: int, **more) -> None:
    """Django on a fresh SQLite file; `more` settings override the SMTP ones."""
    import django
    from django.conf import settings

    import tests.settings as base

    WORK.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{WORK / 'send.sqlite3'}{suffix}").unlink(missing_ok=True)
    names = {k: getattr(base, k) for k in dir(base) if k.isupper()}
    names.update(
        INSTALLED_APPS=[*base.INSTALLED_APPS, "post_office"],
        DATABASES={"default": {**base.DATABASES["default"], "NAME": WORK / "send.sqlite3"}},
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=port,
        DRIP_PLUGIN={**base.DRIP_PLUGIN, "EMAIL_BACKEND": "drip_plugin.delivery.smtp.EmailBackend",
                     "TRACKING": True, "REGISTER_BEAT_SCHEDULE": False, "SEND_CONNECTIONS": connections},
        POST_OFFICE={"BACKENDS": {"default": "drip_plugin.delivery.smtp.EmailBackend"},
                     "BATCH_SIZE": 500, "LOG_LEVEL": 0},
        DEBUG=False,
    )
    names.update(more)
    settings.configure(**names)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def wait_for(counter, target: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while counter.value < target and time.monotonic() < deadline:
        time.sleep(0.05)


class Stopwatch:
    """Wall time, this process's CPU time and the sink's, from now on."""

    def __init__(self, sink_cpu):
        self.sink_cpu = sink_cpu
        self.start = (time.perf_counter(), time.process_time(), sink_cpu.value)

    def stop(self) -> tuple[float, float, float]:
        now = (time.perf_counter(), time.process_time(), self.sink_cpu.value)
        return tuple(b - a for a, b in zip(self.start, now))


def report(name: str, count: int, seconds: float, cpu: float, sink: float, note: str) -> None:
    print(f"{name:<19}: {count / seconds:8.0f} msg/s ({seconds:.1f} s, {note}; "
          f"CPU {1000 * cpu / count:.2f} ms/msg; sink {1000 * sink / count:.2f} ms/msg)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, help="messages per sender (mode); default 20,000 (--esp: 3,000)")
    parser.add_argument("--connections", type=int, default=4, help="drip's SEND_CONNECTIONS (its default: 4)")
    parser.add_argument("--sink-pipelining", action="store_true",
                        help="the sink offers PIPELINING (RFC 2920), as Postfix, Exim and Gmail do")
    parser.add_argument("--rounds", type=int,
                        help="the messages in this many parts, the senders taking turns (ABBA…); default 4 (--esp: 3)")
    parser.add_argument("--drip-only", action="store_true", help="skip post_office (to profile drip's side)")
    parser.add_argument("--esp", action="store_true", help="the ESP path (fake Postmark), not SMTP")
    parser.add_argument("--latency", type=float, default=0.02, help="--esp: seconds the fake takes per call")
    parser.add_argument("--esp-batch-size", type=int, default=None, help="--esp: drip's ESP_BATCH_SIZE (default: its default)")
    parser.add_argument("--quick", action="store_true", help="600 messages per sender (mode)")
    args = parser.parse_args()
    default_count, default_rounds = (600 if args.quick else 3000, 3) if args.esp else (600 if args.quick else 20_000, 4)
    args.count, args.rounds = args.count or default_count, args.rounds or default_rounds
    print(describe())
    if args.esp:
        run_esp(args)
    else:
        run_smtp(args)
    print(describe("at end"))


def run_smtp(args) -> None:
    port, counter, sink_cpu = free_port(), multiprocessing.Value("i", 0), multiprocessing.Value("d", 0.0)
    sink = multiprocessing.Process(target=run_sink, args=(port, counter, sink_cpu, args.sink_pipelining),
                                  daemon=True)
    sink.start()
    configure(port, args.connections)
    try:
        run(args, counter, sink_cpu)
    finally:
        sink.terminate()


def seed(count: int):
    """A one-step sequence (the 3-line cart email) with `count` contacts due
    now; returns the email, the shared trigger event, its cart and now."""
    from django.utils import timezone

    from drip_plugin.models import Contact, Email, Enrollment, Event, Sequence, Step

    mjml = (ROOT / "bench" / "cart_email.mjml").read_text()
    email = Email.objects.create(name="bench", subject="{{ contact.first_name }}, your cart is waiting", mjml=mjml,
                                 live=True)
    sequence = Sequence.objects.create(name="bench", trigger_event="bench", live=True)
    step = Step.objects.create(sequence=sequence, email=email, sort_order=0)
    contacts = Contact.objects.bulk_create(
        Contact(email=f"c{i}@example.com", first_name=f"Name{i}") for i in range(count))
    cart = {"cart": {"lines": [{"name": f"Item {n}", "quantity": n, "unit_price": "9.90", "total": "9.90"}
                               for n in (1, 2, 3)], "total": "29.70", "currency": "EUR",
                     "restore_url": "https://shop.example/r"}}
    # One shared trigger event carries the 3-line cart every message renders.
    event = Event.objects.create(name="bench", contact=contacts[0], properties=cart, idempotency_key="bench")
    now = timezone.now()
    Enrollment.objects.bulk_create(
        Enrollment(contact=c, sequence=sequence, current_step=step, due_at=now, enrolled_at=now, trigger_event=event)
        for c in contacts)
    return email, event, cart, now


def queue_due(now, size: int) -> None:
    """Move `size` seeded enrollments on to a queued message each (before any clock starts)."""
    from drip_plugin.engine import advance_due_enrollments

    while size:
        advanced = advance_due_enrollments(now, min(size, 1000))
        if not advanced:  # (seed() made too few: without this check the bench would spin here for ever)
            raise RuntimeError(f"{size} messages short: seed more enrollments")
        size -= advanced


class DripProfile:
    """cProfile of drip's sending when DRIP_BENCH_PROFILE names a sort key
    (e.g. `tottime`); otherwise nothing."""

    def __init__(self):
        import cProfile

        self.sort = os.environ.get("DRIP_BENCH_PROFILE")
        self.profiler = cProfile.Profile() if self.sort else None

    def __enter__(self):
        if self.profiler:
            self.profiler.enable()

    def __exit__(self, *exc_info):
        if self.profiler:
            self.profiler.disable()

    def print(self) -> None:
        if self.profiler:
            import pstats

            pstats.Stats(self.profiler).sort_stats(self.sort).print_stats(30)


def run(args, counter, sink_cpu) -> None:
    from django.utils import timezone
    from post_office import mail as post_office_mail
    from post_office.models import Email as PostOfficeEmail

    from drip_plugin.delivery import send_due_messages
    from drip_plugin.delivery.compose import compose
    from drip_plugin.links.signed import EmailLinks
    from drip_plugin.models import Message
    from drip_plugin.models.messages import MessageStatus
    from drip_plugin.rendering import render_email
    from drip_plugin.rendering.context import merge_context

    email, event, cart, now = seed(args.count)
    email_links = EmailLinks()
    profiler = DripProfile()

    def queue_round(size: int) -> None:
        """Queue `size` drip messages and, for (b), the very same ones rendered — before any clock starts."""
        queue_due(now, size)
        if args.drip_only:
            return
        for message in Message.objects.filter(status=MessageStatus.QUEUED).select_related(
                "enrollment__contact", "enrollment__sequence"):
            links = email_links.for_templates(message)
            out = render_email(email, merge_context(message.enrollment.contact, event_properties=cart, links=links))
            m = compose(message, out, links)
            post_office_mail.send(recipients=m.to, sender=m.from_email, subject=m.subject, message=m.body,
                                  html_message=m.alternatives[0][0], headers=m.extra_headers, priority="medium")

    def send_drip() -> int:
        with profiler:
            return send_due_messages(timezone.now(), 500).sent

    def send_post_office() -> int:
        sent_before = PostOfficeEmail.objects.filter(status=0).count()
        # One call sends one BATCH_SIZE batch; its send_queued_mail command loops the same way.
        while post_office_mail.get_queued().exists():
            post_office_mail.send_queued(processes=1)
        return PostOfficeEmail.objects.filter(status=0).count() - sent_before

    senders = {"drip_plugin": send_drip} if args.drip_only else {
        "drip_plugin": send_drip, "django-post-office": send_post_office}
    totals = {name: [0.0, 0.0, 0.0] for name in senders}
    round_ratios = []
    sizes = [args.count // args.rounds + (r < args.count % args.rounds) for r in range(args.rounds)]
    for number, size in enumerate(sizes):
        queue_round(size)
        seconds = {}
        # Turn about (ABBA…): a drift in the machine's speed weighs on both alike.
        for name in sorted(senders, reverse=number % 2 == 1):
            counter.value = 0
            stopwatch = Stopwatch(sink_cpu)
            sent = senders[name]()
            wait_for(counter, size)
            elapsed = stopwatch.stop()
            assert sent == counter.value == size, (name, sent, counter.value)
            totals[name] = [total + part for total, part in zip(totals[name], elapsed)]
            seconds[name] = elapsed[0]
        if not args.drip_only:
            round_ratios.append(seconds["django-post-office"] / seconds["drip_plugin"])
    assert Message.objects.filter(status=MessageStatus.SENT).count() == args.count

    profiler.print()
    print(machine())
    print(f"messages: {args.count} each, in {args.rounds} rounds taken in turn; SMTP sink: aiosmtpd on 127.0.0.1 "
          f"(own process{', offers PIPELINING' if args.sink_pipelining else ''}), 1 sending process each "
          f"(drip: {args.connections} connections, post_office: 5 threads)")
    notes = {"drip_plugin": "rendering included", "django-post-office": "pre-rendered"}
    for name, (seconds, cpu, sink) in totals.items():
        report(name, args.count, seconds, cpu, sink, notes[name])
    if not args.drip_only:
        ratio = totals["django-post-office"][0] / totals["drip_plugin"][0]
        print(f"{'ratio':<19}: {ratio:.2f}x (target >= 2x); by round: "
              + ", ".join(f"{r:.2f}" for r in round_ratios))


# --- the ESP path ----------------------------------------------------------

POSTMARK_BACKEND = "anymail.backends.postmark.EmailBackend"
RAW_BATCH = 500  # Postmark's /email/batch maximum


def run_fake_postmark(port, counter, fake_cpu, latency: float) -> None:
    """The tests' fake Postmark in this process, counting accepted messages."""
    from tests.delivery.esp.fakes import FakePostmark

    class CountingPostmark(FakePostmark):
        def success(self, request):
            self.requests.clear()  # a bench keeps no bodies (memory)
            with counter.get_lock():
                counter.value += 1
            fake_cpu.value = time.process_time()
            return super().success(request)

    with CountingPostmark(latency) as fake:
        port.value = int(fake.url.rpartition(":")[2])
        threading.Event().wait()


def run_esp(args) -> None:
    port, counter, fake_cpu = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0), multiprocessing.Value("d", 0.0)
    fake = multiprocessing.Process(target=run_fake_postmark, args=(port, counter, fake_cpu, args.latency), daemon=True)
    fake.start()
    while not port.value:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port.value}/"
    import tests.settings as base

    configure(0, args.connections, INSTALLED_APPS=base.INSTALLED_APPS,  # (no post_office here)
              ANYMAIL={"POSTMARK_SERVER_TOKEN": "bench", "POSTMARK_API_URL": url},
              DRIP_PLUGIN={**base.DRIP_PLUGIN, "EMAIL_BACKEND": POSTMARK_BACKEND, "TRACKING": True,
                           "REGISTER_BEAT_SCHEDULE": False, "SEND_CONNECTIONS": args.connections})
    try:
        measure_esp(args, url, counter, fake_cpu)
    finally:
        fake.terminate()


def measure_esp(args, url: str, counter, fake_cpu) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import requests
    from django.conf import settings
    from django.core.mail import get_connection
    from django.test import override_settings
    from django.utils import timezone

    from drip_plugin.conf import drip_settings
    from drip_plugin.delivery import send_due_messages
    from drip_plugin.delivery.outbox import BatchContext, prepare_message
    from drip_plugin.models import Message
    from drip_plugin.models.messages import MessageStatus

    batch_size = args.esp_batch_size or drip_settings.ESP_BATCH_SIZE
    modes = {"raw /email/batch": None, "drip per-message": 1, "drip batched": batch_size}
    # Each mode sends `count` messages of its own: the last run's hang was
    # a seed of `count` for all three (the second mode found nothing to queue).
    _, _, _, now = seed(args.count * len(modes))
    backend = get_connection(POSTMARK_BACKEND)

    def raw_bodies(size: int) -> list[bytes]:
        """`size` messages rendered by drip, as Postmark payloads, 500 per body; taken out of drip's queue."""
        queue_due(now, size)
        batch = list(Message.objects.filter(status=MessageStatus.QUEUED).select_related(
            "enrollment__contact", "enrollment__sequence", "enrollment__trigger_event", "step__email"))
        context = BatchContext(batch)
        payloads = [backend.build_message_payload(prepare_message(m, context).email, backend.send_defaults).data
                    for m in batch]
        Message.objects.filter(pk__in=[m.pk for m in batch]).update(status=MessageStatus.SENT)
        return [json.dumps(payloads[i:i + RAW_BATCH]).encode() for i in range(0, len(payloads), RAW_BATCH)]

    def send_raw(bodies: list[bytes]) -> int:
        sessions = threading_local_sessions(requests)

        def post(body: bytes) -> int:
            answer = sessions().post(url + "email/batch", data=body, timeout=60, headers={
                "X-Postmark-Server-Token": "bench", "Content-Type": "application/json", "Accept": "application/json"})
            answer.raise_for_status()
            return sum(part["ErrorCode"] == 0 for part in answer.json())

        with ThreadPoolExecutor(args.connections) as pool:
            return sum(pool.map(post, bodies))

    profiler = DripProfile()  # (the batched path only)

    def send_drip(esp_batch_size: int) -> int:
        plugin = {**settings.DRIP_PLUGIN, "ESP_BATCH_SIZE": esp_batch_size}
        with override_settings(DRIP_PLUGIN=plugin):
            if esp_batch_size == 1:
                return send_due_messages(timezone.now(), 500).sent
            with profiler:
                return send_due_messages(timezone.now(), 500).sent

    totals = {name: [0.0, 0.0, 0.0] for name in modes}
    sizes = [args.count // args.rounds + (r < args.count % args.rounds) for r in range(args.rounds)]
    for number, size in enumerate(sizes):
        names = list(modes)
        for name in names[number % 3:] + names[:number % 3]:  # each mode first in turn
            if modes[name] is None:
                bodies = raw_bodies(size)  # (rendered before the clock starts)
            else:
                queue_due(now, size)
            counter.value = 0
            stopwatch = Stopwatch(fake_cpu)
            sent = send_raw(bodies) if modes[name] is None else send_drip(modes[name])
            wait_for(counter, size)
            elapsed = stopwatch.stop()
            assert sent == counter.value == size, (name, sent, counter.value)
            totals[name] = [total + part for total, part in zip(totals[name], elapsed)]

    profiler.print()
    print(machine())
    print(f"messages: {args.count} per mode, in {len(sizes)} rounds (each mode first in turn); fake Postmark "
          f"(tests/delivery/esp/fakes.py, own process) answering each call after {1000 * args.latency:.0f} ms; "
          f"{args.connections} connections each; drip batched: ESP_BATCH_SIZE={batch_size}")
    notes = {"raw /email/batch": f"pre-rendered, {RAW_BATCH} per call", "drip per-message": "rendering included",
             "drip batched": "rendering included"}
    rates = {}
    for name, (seconds, cpu, fake_seconds) in totals.items():
        rates[name] = args.count / seconds
        report(name, args.count, seconds, cpu, fake_seconds, notes[name])
    per_message = rates["drip batched"] / rates["drip per-message"]
    of_raw = rates["drip batched"] / rates["raw /email/batch"]
    cpu_ms = 1000 * totals["drip batched"][1] / args.count
    print(f"{'batched/per-message':<19}: {per_message:.1f}x (goal >= 10x: {verdict(per_message >= 10)})")
    print(f"{'batched/raw':<19}: {100 * of_raw:.0f} % (goal >= 30 %: {verdict(of_raw >= 0.3)})")
    print(f"{'batched CPU':<19}: {cpu_ms:.2f} ms/msg (goal <= 0.6 ms: {verdict(cpu_ms <= 0.6)})")


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def threading_local_sessions(requests):
    """A function returning this thread's requests.Session (one connection per thread, kept alive)."""
    local = threading.local()

    def session():
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session
    return session


if __name__ == "__main__":
    main()
