"""Issue 23, point 2: Postmark's /email/batch through anymail's real Postmark
backend (delivery/batch.py), to the local fake Postmark: distinct messages in
one call, each message's own result recorded on its row, and at-most-once
when the sender dies before or after a batch's commit point."""
from __future__ import annotations

import collections
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading

import pytest
from django.db import connection
from django.utils import timezone

from drip_plugin import track
from drip_plugin.delivery import send_due_messages
from drip_plugin.engine import advance_due_enrollments
from drip_plugin.models import Message
from tests.delivery.esp.fakes import Answer, FakePostmark
from tests.delivery.esp.test_esp_sending import POSTMARK, assert_sent, host_adds_a_tag, send_drip
from tests.delivery.test_kill import ROOT, wait_until_idle
from tests.factories import build_sequence


@POSTMARK
def test_point2_postmark_distinct_messages_go_in_one_batch_call_each_with_its_own_id(db, clock, esp):
    addresses = [f"c{i}@example.com" for i in range(7)]
    messages = send_drip(*addresses)

    assert esp.batches == [7], "one /email/batch call, not one call per message"
    assert_sent(messages, esp)
    assert {esp.request_to(m.to_email).json()["Subject"] for m in messages} == {f"Hello {a}" for a in addresses}, (
        "each message rendered for its own contact")


@POSTMARK
def test_point2_batch_size_setting_splits_a_round_into_calls_and_1_sends_one_call_per_message(
        db, clock, esp, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "ESP_BATCH_SIZE": 3}
    send_drip(*[f"c{i}@example.com" for i in range(7)])
    assert sorted(esp.batches) == [1, 3, 3]

    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "ESP_BATCH_SIZE": 1}
    later = [m for m in send_drip("one@example.com", "two@example.com", name="Other")
             if m.to_email in ("one@example.com", "two@example.com")]
    assert sorted(esp.batches) == [1, 3, 3], "no batch call more"
    assert [m.status for m in later] == ["sent"] * len(later) and len(esp.requests) == 7 + len(later)


@POSTMARK
def test_point2_batch_partial_failure_records_each_message_right(db, clock, esp, caplog):
    # In one batch: bob's address is inactive at Postmark (406 in his result),
    # a host's pre_send receiver gives cat's message a second tag (anymail
    # refuses it before the call), ann and dan go out.
    esp.inactive = {"bob@example.com"}
    with host_adds_a_tag(to="cat@example.com"):
        messages = send_drip("ann@example.com", "bob@example.com", "cat@example.com", "dan@example.com")

    assert esp.batches == [3], "cat's message never reached Postmark; the three others in one call"
    by_address = {m.to_email: m for m in messages}
    bob, cat = by_address.pop("bob@example.com"), by_address.pop("cat@example.com")
    assert (bob.status, bob.esp_message_id) == ("failed", "")
    assert bob.error.startswith("AnymailRecipientsRefused"), "a refused recipient is final: not retried"
    assert cat.status == "failed" and cat.error.startswith("AnymailUnsupportedFeature: Postmark does not support "
                                                           "multiple tags")
    assert f"drip message {bob.pk} to bob@example.com failed: AnymailRecipientsRefused" in caplog.text
    assert [(m.status, m.error) for m in by_address.values()] == [("sent", "")] * 2
    assert [m.esp_message_id for m in by_address.values()] == [
        esp.request_to(m.to_email).message_id for m in by_address.values()], "each with its own MessageID"
    assert [m.attempts for m in messages] == [1, 1, 1, 1]


@POSTMARK
def test_point2_batch_call_failing_as_a_whole_schedules_each_message_for_retry(db, clock, esp, monkeypatch):
    # Postmark answers the whole call 500: no message's outcome is known to
    # have reached it, and a 5xx is transient: each is retried on its own.
    monkeypatch.setattr(esp, "answer", lambda request: Answer(500, {"ErrorCode": 500, "Message": "oops"}))
    messages = send_drip("ann@example.com", "bob@example.com")

    assert [(m.status, m.attempts, m.handed_at) for m in messages] == [("retry_scheduled", 1, None)] * 2
    assert all("500" in m.error for m in messages)

    monkeypatch.undo()  # Postmark is back; the retries go out once their backoff is over
    clock.shift(dt.timedelta(hours=1))
    send_due_messages(timezone.now(), 500)
    assert [(m.status, m.attempts) for m in Message.objects.order_by("pk")] == [("sent", 2)] * 2
    assert esp.batches == [2]


MESSAGES, BATCH = 10, 5


@pytest.mark.django_db(transaction=True)
def test_point2_batch_interrupted_before_its_commit_point_is_resent_one_interrupted_after_it_is_not(settings):
    """A sender in its own process, one connection, batches of 5: it hands
    the first batch over (commit point recorded), Postmark holds its answer,
    the sender prepares the second batch and waits for room: then it is
    SIGKILLed. After the lease, the first batch (past its commit point) is
    failed as "outcome unknown" and never resent; the second (before it)
    is sent. Every address reaches Postmark exactly once."""
    build_sequence(steps=[(0, "days", "Hello {{ contact.first_name }}")])
    for i in range(MESSAGES):
        track("signed_up", email=f"k{i}@example.com")
    advance_due_enrollments(timezone.now(), 500)

    held, release = threading.Event(), threading.Event()

    def hold_first_batch(size: int) -> None:
        if not held.is_set():
            held.set()
            release.wait(60)

    with FakePostmark() as esp:
        esp.on_batch = hold_first_batch
        anymail = {"POSTMARK_SERVER_TOKEN": "server-token", "POSTMARK_API_URL": esp.url + "/"}
        plugin = {"EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend", "ESP_BATCH_SIZE": BATCH,
                  "SEND_CONNECTIONS": 1}
        settings.ANYMAIL, settings.DRIP_PLUGIN = anymail, {**settings.DRIP_PLUGIN, **plugin}
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.delivery.kill_worker", str(connection.settings_dict["NAME"]), "0"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "DRIP_TEST_DB": "sqlite" if connection.vendor == "sqlite" else "postgres",
                 "DRIP_WORKER_ANYMAIL": json.dumps(anymail),
                 "DRIP_WORKER_PLUGIN": json.dumps(plugin)})
        try:
            assert held.wait(60), worker.communicate(timeout=5)
            wait_until_idle(worker.pid)  # the next batch is prepared; the sender waits for room
            statuses = collections.Counter((status, handed_at is None) for status, handed_at in
                                           Message.objects.values_list("status", "handed_at"))
            assert statuses == {("sending", False): BATCH, ("sending", True): MESSAGES - BATCH}
            os.kill(worker.pid, signal.SIGKILL)
            worker.communicate(timeout=60)
        finally:
            release.set()
        esp.on_batch = None

        assert send_due_messages(timezone.now(), 500).sent == 0, "the lease still holds every message"
        lease = settings.DRIP_PLUGIN.get("LEASE_SECONDS", 300)
        resent = send_due_messages(timezone.now() + dt.timedelta(seconds=lease + 1), 500)

    assert resent.sent == MESSAGES - BATCH
    per_address = collections.Counter(esp.recipient(r) for r in esp.requests)
    assert sorted(per_address) == sorted(f"k{i}@example.com" for i in range(MESSAGES))
    assert set(per_address.values()) == {1}, "every address reached Postmark exactly once"
    assert esp.batches == [BATCH, MESSAGES - BATCH]
    unknown = Message.objects.filter(status="failed")
    assert unknown.count() == BATCH and all(m.error.startswith("outcome unknown") for m in unknown)
    assert Message.objects.filter(status="sent").count() == MESSAGES - BATCH
