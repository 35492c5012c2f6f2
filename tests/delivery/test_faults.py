"""Issue 6: retries, permanent failures and poisoned messages (fault injection)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from drip_plugin import track
from drip_plugin.health.dashboard import dashboard_figures
from drip_plugin.health.retry import retry_failed
from drip_plugin.models import Message
from drip_plugin.scheduling import tick
from tests.factories import build_sequence, sent_message

from . import faulty_backend


@pytest.fixture
def faulty(settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": "tests.delivery.faulty_backend.FaultyBackend",
                            "RETRY_BASE_SECONDS": 60, "MAX_ATTEMPTS": 4}
    faulty_backend.SCRIPT.clear()
    yield faulty_backend.SCRIPT
    faulty_backend.SCRIPT.clear()


def one_message(email: str) -> Message:
    return sent_message(email)


def test_fault_5xx_is_retried_with_backoff_then_sent(db, clock, faulty):
    faulty["five@example.com"] = ["5xx", "5xx"]
    message = one_message("five@example.com")
    assert (message.status, message.attempts) == ("retry_scheduled", 1)
    assert "503" in message.error or "Service Unavailable" in message.error
    first_retry = message.send_after - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=45) <= first_retry <= dt.timedelta(seconds=75)  # 60 s ± 25 % jitter
    clock.shift(dt.timedelta(seconds=80))
    tick()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("retry_scheduled", 2)
    clock.shift(dt.timedelta(seconds=160))
    tick()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("sent", 3, "")
    assert len(mail.outbox) == 1


def test_fault_timeout_is_retried(db, clock, faulty):
    faulty["slow@example.com"] = ["timeout"]
    message = one_message("slow@example.com")
    assert message.status == "retry_scheduled" and "TimeoutError" in message.error
    clock.shift(dt.timedelta(minutes=2))
    tick()
    message.refresh_from_db()
    assert message.status == "sent" and len(mail.outbox) == 1


@pytest.mark.parametrize("fault", ["4xx", "refused"])
def test_fault_4xx_fails_with_the_esp_reason_and_is_not_retried(db, clock, faulty, fault):
    faulty["bad@example.com"] = [fault]
    message = one_message("bad@example.com")
    assert message.status == "failed" and message.attempts == 1
    assert ("invalid recipient" if fault == "4xx" else "mailbox does not exist") in message.error
    clock.shift(dt.timedelta(days=1))
    tick()
    assert Message.objects.get().status == "failed" and mail.outbox == []


def test_fault_retries_stop_at_max_attempts(db, clock, faulty):
    faulty["down@example.com"] = ["5xx"] * 10
    message = one_message("down@example.com")
    for _ in range(5):
        clock.shift(dt.timedelta(hours=1))
        tick()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 4)


def test_point_failed_messages_record_when_they_failed_not_when_their_last_attempt_was_due(db, clock, faulty):
    faulty["late@example.com"] = ["5xx", "4xx"]
    message = one_message("late@example.com")
    assert (message.status, message.failed_at) == ("retry_scheduled", None)
    clock.shift(dt.timedelta(hours=3))  # the tick runs long after the retry was due
    tick()
    message.refresh_from_db()
    failed_at = dt.datetime.now(dt.UTC)
    assert (message.status, message.failed_at) == ("failed", failed_at)
    assert message.send_after < failed_at - dt.timedelta(hours=2)
    assert dashboard_figures(failed_at).failed_today == 1
    assert dashboard_figures(failed_at + dt.timedelta(days=1)).failed_today == 0, "failed yesterday"

    retry_failed([message.pk], failed_at)
    message.refresh_from_db()
    assert (message.status, message.failed_at) == ("queued", None)


def test_fault_one_poisoned_message_in_a_batch_of_100_leaves_99_sent(db, clock, faulty):
    build_sequence(steps=[(0, "days", "Hello {{ contact.first_name }}")])
    for i in range(100):
        track("signed_up", email=f"c{i}@example.com")
    faulty["c42@example.com"] = ["4xx"]
    result = tick()
    assert (result.sent, result.failed) == (99, 1)
    assert len(mail.outbox) == 99
    assert Message.objects.get(status="failed").to_email == "c42@example.com"


def test_fault_smtp_sink_temporary_451_retried_550_failed(db, clock, smtp_sink):
    build_sequence(steps=[(0, "days", "Hello")])
    smtp_sink.replies["temp@example.com"] = ["451 4.3.0 try again later"]
    smtp_sink.replies["gone@example.com"] = ["550 5.1.1 no such user"]
    for address in ("temp@example.com", "gone@example.com", "ok@example.com"):
        track("signed_up", email=address)
    first = tick()
    assert (first.sent, first.failed, first.retried) == (1, 1, 1)
    assert "550" in Message.objects.get(to_email="gone@example.com").error
    clock.shift(dt.timedelta(minutes=5))
    tick()
    assert Message.objects.get(to_email="temp@example.com").status == "sent"
    assert len(smtp_sink.messages) == 2
