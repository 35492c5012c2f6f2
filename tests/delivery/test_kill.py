"""Issue 6: a sender SIGKILLed mid-batch; after the lease every message reaches
the SMTP sink exactly once (counted by Message-ID).

The worker sends over SEND_CONNECTIONS connections at once with the commit
point SMTP backend. The sink kills it while holding its reply to one
message, once every sending thread is stuck waiting for the sink: messages
whose end-of-data marker went out are delivered and marked "outcome
unknown", never resent; the others, held before their DATA, are sent again
after the lease. (A kill between the body and the marker is covered by
smtp/test_dialogue.py: a failed commit point delivers nothing.)"""
from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from drip_plugin import track
from drip_plugin.conf import drip_settings
from drip_plugin.delivery import send_due_messages
from drip_plugin.engine import advance_due_enrollments
from drip_plugin.models import Message
from tests.factories import build_sequence

ROOT = Path(__file__).resolve().parents[2]
MESSAGES, KILL_AT = 30, 10
SEND_CONNECTIONS = drip_settings.SEND_CONNECTIONS  # the worker runs with the defaults


@pytest.mark.django_db(transaction=True)
def test_kill_worker_mid_batch_then_lease_expiry_completes_with_each_message_once(smtp_sink, settings):
    build_sequence(steps=[(0, "days", "Hello {{ contact.first_name }}")])
    for i in range(MESSAGES):
        track("signed_up", email=f"k{i}@example.com")
    advance_due_enrollments(timezone.now(), 500)
    assert Message.objects.filter(status="queued").count() == MESSAGES

    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.delivery.kill_worker", str(connection.settings_dict["NAME"]),
         str(settings.EMAIL_PORT)],
        cwd=ROOT, env={**os.environ, "DRIP_TEST_DB": connection.vendor if connection.vendor == "sqlite" else "postgres"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )

    def kill_during_handover(count: int) -> None:
        # The sink has the message but the worker has not read "250" yet:
        # the worst moment, where the outcome is unknown to the sender.
        if count == KILL_AT:
            wait_until_idle(worker.pid)
            os.kill(worker.pid, signal.SIGKILL)

    smtp_sink.on_message = kill_during_handover
    _, stderr = worker.communicate(timeout=120)
    assert worker.returncode == -signal.SIGKILL, stderr
    smtp_sink.on_message = None

    statuses = collections.Counter(Message.objects.values_list("status", flat=True))
    assert set(statuses) == {"sent", "sending"} and statuses["sent"] < KILL_AT
    assert send_due_messages(timezone.now(), 500).sent == 0, "the lease still holds the batch"

    after_lease = timezone.now() + dt.timedelta(seconds=settings.DRIP_PLUGIN.get("LEASE_SECONDS", 300) + 1)
    resent = send_due_messages(after_lease, 500).sent

    ids = collections.Counter(smtp_sink.message_ids())
    assert len(ids) == MESSAGES and set(ids.values()) == {1}, "every message exactly once at the sink"
    unknown = list(Message.objects.filter(status="failed"))
    assert 1 <= len(unknown) <= SEND_CONNECTIONS, "only messages past their end-of-data marker"
    for message in unknown:
        assert message.error.startswith("outcome unknown")
        assert f"<drip.{message.token}@shop.test>" in ids, "an interrupted one did reach the sink, once"
    assert Message.objects.filter(status="sent").count() == MESSAGES - len(unknown)
    assert resent == MESSAGES - len(unknown) - statuses["sent"]


def wait_until_idle(pid: int, quiet_polls: int = 10) -> None:
    """Return once the process has used no CPU for `quiet_polls` polls in a
    row: every thread is blocked (on the sink, which is held right now)."""
    def cpu_ticks() -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    quiet, last, deadline = 0, cpu_ticks(), time.monotonic() + 30
    while quiet < quiet_polls and time.monotonic() < deadline:
        time.sleep(0.01)  # polling a process, not waiting on a schedule
        now = cpu_ticks()
        quiet, last = (quiet + 1 if now == last else 0), now
