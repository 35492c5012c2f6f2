"""Issue 6: the outbox over several connections at once with a commit
point — the hand-over recorded just before SMTP's end-of-data marker, and
nothing sent whose hand-over could not be recorded (delivery/outbox.py,
delivery/handover.py)."""
from __future__ import annotations

import collections
import datetime as dt
import threading

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, OperationalError, transaction
from django.utils import timezone

from drip_plugin import track
from drip_plugin.delivery import outbox, send_due_messages
from drip_plugin.delivery.smtp import MultiplexedHandOver, dialogue as drip_smtp
from drip_plugin.delivery.smtp.dialogue import envelope
from drip_plugin.engine import advance_due_enrollments
from drip_plugin.models import Message
from drip_plugin.scheduling import tick
from tests.factories import COMMIT_POINT_BACKEND, build_sequence


def queue_messages(count: int) -> None:
    build_sequence(steps=[(0, "days", "Hello {{ contact.email }}")])
    for i in range(count):
        track("signed_up", email=f"h{i}@example.com")
    advance_due_enrollments(timezone.now(), 500)


def assert_each_sent_once_after_the_lease(smtp_sink, count: int) -> None:
    send_due_messages(timezone.now() + dt.timedelta(seconds=301), 500)
    ids = collections.Counter(smtp_sink.message_ids())
    assert len(ids) == count and set(ids.values()) == {1}, "each message exactly once"
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_outbox_sends_over_several_connections_at_once_each_message_once(smtp_sink, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND, "SEND_CONNECTIONS": 4}
    queue_messages(40)
    smtp_sink.wait_for_company = True

    result = send_due_messages(timezone.now(), 500)

    assert result.sent == 40
    ids = collections.Counter(smtp_sink.message_ids())
    assert len(ids) == 40 and set(ids.values()) == {1}
    assert smtp_sink.most_open_transactions > 1, "several SMTP transactions were open at the same time"
    sent = Message.objects.filter(status="sent")
    assert sent.count() == 40 and not sent.filter(handed_at__isnull=True).exists()
    assert {m.subject for m in sent} == {f"Hello h{i}@example.com" for i in range(40)}


@pytest.mark.django_db(transaction=True)
def test_outbox_failing_to_record_a_hand_over_sends_nothing_and_loses_nothing(smtp_sink, settings, monkeypatch):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND, "SEND_CONNECTIONS": 3}
    queue_messages(5)

    def database_down(handing, at) -> None:
        raise DatabaseError("database went away")

    monkeypatch.setattr(outbox, "record_handed", database_down)
    with pytest.raises(DatabaseError):
        send_due_messages(timezone.now(), 500)
    assert smtp_sink.messages == [], "no message went out whose hand-over was not recorded"
    rows = set(Message.objects.values_list("status", "handed_at"))
    assert {handed_at for _, handed_at in rows} == {None}, "nothing marked as handed over"
    # Sends that were waiting are freed at once; the rest of the batch after the lease.
    assert {status for status, _ in rows} <= {"queued", "sending"}

    monkeypatch.undo()
    after_lease = timezone.now() + dt.timedelta(seconds=301)
    assert send_due_messages(after_lease, 500).sent == 5
    assert len(set(smtp_sink.message_ids())) == len(smtp_sink.messages) == 5


def test_outbox_a_refused_recipient_on_one_connection_leaves_the_others_sending(db, smtp_sink, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND, "SEND_CONNECTIONS": 2}
    smtp_sink.replies["h3@example.com"] = ["550 5.1.1 no such user"]
    queue_messages(8)

    result = send_due_messages(timezone.now(), 500)

    assert (result.sent, result.failed) == (7, 1)
    assert "550" in Message.objects.get(to_email="h3@example.com").error
    assert len(smtp_sink.messages) == 7


def test_outbox_with_an_anymail_backend_sends_each_message_once(db, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SEND_CONNECTIONS": 3}
    queue_messages(10)
    assert send_due_messages(timezone.now(), 500).sent == 10
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"h{i}@example.com" for i in range(10))
    assert all(m.anymail_status.status == {"sent"} for m in mail.outbox)


@pytest.mark.django_db(transaction=True)
def test_outbox_failure_after_the_end_of_data_marker_is_outcome_unknown_never_resent(smtp_sink, settings, clock):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND}
    settings.EMAIL_TIMEOUT = 0.5
    queue_messages(1)
    # The server has the message but answers too late: the sender's read times out.
    smtp_sink.on_message = lambda count: threading.Event().wait(1.5)

    result = send_due_messages(timezone.now(), 500)
    smtp_sink.on_message = None

    message = Message.objects.get()
    assert (result.sent, result.failed, result.retried) == (0, 1, 0)
    assert message.status == "failed" and message.error.startswith("outcome unknown")
    assert message.handed_at is not None and message.attempts == 1
    clock.shift(dt.timedelta(days=1))
    assert send_due_messages(timezone.now(), 500).sent == 0
    assert len(smtp_sink.messages) == 1, "delivered once, not again"


@pytest.mark.django_db(transaction=True)
def test_outbox_lease_running_out_mid_batch_leaves_the_rest_to_the_new_sender(smtp_sink, settings, monkeypatch):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND, "SEND_CONNECTIONS": 2}
    queue_messages(6)
    prepare, prepared, second_sender = outbox.prepare_message, [], []

    def slow_first_sender(message, *args, **kwargs):
        prepared.append(message.pk)
        if len(prepared) == 3 and not second_sender:
            # Sender A stalled past its lease; sender B reclaims the batch and sends it.
            Message.objects.filter(status="sending").update(sending_until=timezone.now() - dt.timedelta(seconds=1))
            second_sender.append(send_due_messages(timezone.now(), 500))
        return prepare(message, *args, **kwargs)

    monkeypatch.setattr(outbox, "prepare_message", slow_first_sender)
    first_sender = send_due_messages(timezone.now(), 500)

    ids = collections.Counter(smtp_sink.message_ids())
    assert len(ids) == 6 and set(ids.values()) == {1}, "each message exactly once, though two senders held it"
    assert first_sender.sent + second_sender[0].sent == 6
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_outbox_prepares_a_message_in_stages_and_moves_the_connections_on_between_them(monkeypatch):
    queue_messages(1)
    [message] = outbox.claim_sendable(timezone.now(), 10)
    steps, render, compose = [], outbox.render_message, outbox.compose
    monkeypatch.setattr(outbox, "render_message", lambda *args: (steps.append("render"), render(*args))[1])
    monkeypatch.setattr(outbox, "compose", lambda *args: (steps.append("compose"), compose(*args))[1])

    outgoing = outbox.prepare_message(message, outbox.BatchContext([message]), lambda: steps.append("connections"))

    assert steps == ["render", "connections", "compose", "connections"]
    assert outgoing.email.to == [message.to_email]


@pytest.mark.django_db(transaction=True)
def test_outbox_hand_over_failing_while_a_message_is_prepared_is_the_senders_failure_not_the_messages(
        smtp_sink, settings, monkeypatch):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND, "SEND_CONNECTIONS": 2}
    queue_messages(12)
    failure, preparing = OperationalError("database went away"), []
    prepare, service = outbox.prepare_message, MultiplexedHandOver.service

    def flagged(*args, **kwargs):
        preparing.append(True)
        try:
            return prepare(*args, **kwargs)
        finally:
            preparing.pop()

    def failing_while_preparing(self, timeout=0):
        if preparing and Message.objects.filter(handed_at__isnull=False).exists():
            raise failure
        return service(self, timeout)

    monkeypatch.setattr(outbox, "prepare_message", flagged)
    monkeypatch.setattr(MultiplexedHandOver, "service", failing_while_preparing)
    with pytest.raises(OperationalError) as raised:
        send_due_messages(timezone.now(), 500)

    assert raised.value is failure, "the hand-over's own error, as it was raised"
    assert not Message.objects.filter(status__in=["failed", "retry_scheduled"]).exists(), "no message blamed"
    monkeypatch.undo()
    assert_each_sent_once_after_the_lease(smtp_sink, 12)


def test_outbox_rate_limit_paces_without_stalling_the_hand_over(db, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "RATE_LIMIT": 40, "SEND_CONNECTIONS": 2}
    queue_messages(6)
    assert send_due_messages(timezone.now(), 500).sent == 6
    assert len(mail.outbox) == 6


def test_outbox_rate_limit_claims_at_most_half_a_lease_of_sends(settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "RATE_LIMIT": 1, "LEASE_SECONDS": 300}
    assert outbox.batch_limit(500) == 150
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "RATE_LIMIT": None}
    assert outbox.batch_limit(500) == 500


def test_outbox_with_a_backend_that_cannot_be_set_up_claims_nothing_and_fails_nothing(db, settings):
    queue_messages(2)
    settings.ANYMAIL = {}
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend"}
    with pytest.raises(ImproperlyConfigured, match="POSTMARK_SERVER_TOKEN"):
        send_due_messages(timezone.now(), 500)
    assert set(Message.objects.values_list("status", "attempts", "claim")) == {("queued", 0, None)}


@pytest.mark.django_db(transaction=True)
def test_tick_and_outbox_refuse_to_run_inside_an_outer_transaction_with_a_clear_error(settings):
    queue_messages(2)
    with pytest.raises(RuntimeError, match=r"outside transaction.atomic\(\)"), transaction.atomic():
        send_due_messages(timezone.now(), 500)
    with pytest.raises(RuntimeError, match=r"call tick\(\) / send_due_messages\(\) outside"), transaction.atomic():
        tick()
    assert mail.outbox == [] and set(Message.objects.values_list("status", flat=True)) == {"queued"}


@pytest.mark.django_db(transaction=True)
def test_outbox_send_stopped_after_its_hand_over_was_committed_is_freed_not_lost(smtp_sink, settings, monkeypatch):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND, "SEND_CONNECTIONS": 2}
    queue_messages(4)
    record_handed, interrupted = outbox.record_handed, []

    def interrupted_after_commit(handing, at):
        allowed = record_handed(handing, at)
        if not interrupted:
            interrupted.append(True)
            transaction.on_commit(lambda: (_ for _ in ()).throw(KeyboardInterrupt()))
        return allowed

    monkeypatch.setattr(outbox, "record_handed", interrupted_after_commit)
    with pytest.raises(KeyboardInterrupt):
        send_due_messages(timezone.now(), 500)
    assert not Message.objects.filter(status="failed").exists()

    monkeypatch.undo()
    assert_each_sent_once_after_the_lease(smtp_sink, 4)


@pytest.mark.django_db(transaction=True)
def test_outbox_lease_running_out_unclaimed_stops_the_batch_and_the_next_tick_sends_the_rest(smtp_sink, settings,
                                                                                             monkeypatch):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND, "SEND_CONNECTIONS": 2}
    queue_messages(8)
    prepare, prepared = outbox.prepare_message, []

    def stalled(message, *args, **kwargs):
        prepared.append(message.pk)
        if len(prepared) == 3:  # the sender stalls past its lease; nobody reclaims meanwhile
            Message.objects.filter(status="sending").update(sending_until=timezone.now() - dt.timedelta(seconds=1))
        return prepare(message, *args, **kwargs)

    monkeypatch.setattr(outbox, "prepare_message", stalled)
    first = send_due_messages(timezone.now(), 500)
    assert len(prepared) < 8, "the batch stopped once its lease was gone"
    monkeypatch.undo()
    second = send_due_messages(timezone.now(), 500)

    ids = collections.Counter(smtp_sink.message_ids())
    assert len(ids) == 8 and set(ids.values()) == {1}
    assert first.sent + second.sent + Message.objects.filter(status="failed").count() == 8
    assert Message.objects.exclude(status__in=["sent", "failed"]).count() == 0


@pytest.mark.django_db(transaction=True)
def test_outbox_over_drips_smtp_backend_drives_every_connection_from_the_calling_thread(smtp_sink, settings):
    queue_messages(40)
    later = Message.objects.filter(pk__in=Message.objects.order_by("pk").values("pk")[20:])
    later.update(send_after=timezone.now() + dt.timedelta(days=1))
    assert send_due_messages(timezone.now(), 500).sent == 20  # Django's SMTP backend: a thread per connection
    assert any(name.startswith("drip-send") for name in smtp_sink.data_threads), "the check can see sending threads"

    smtp_sink.data_threads.clear()
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND, "SEND_CONNECTIONS": 4}
    smtp_sink.most_open_transactions, smtp_sink.company, smtp_sink.wait_for_company = 0, None, True
    later.update(send_after=timezone.now())
    assert send_due_messages(timezone.now(), 500).sent == 20
    assert not any(name.startswith("drip-send") for name in smtp_sink.data_threads)
    assert smtp_sink.most_open_transactions > 1, "several SMTP transactions were open at the same time"
    ids = collections.Counter(smtp_sink.message_ids())
    assert len(ids) == 40 and set(ids.values()) == {1}


@pytest.mark.django_db(transaction=True)
def test_outbox_timeout_before_the_end_of_data_marker_is_retried_not_outcome_unknown(smtp_sink, settings, clock):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND}
    settings.EMAIL_TIMEOUT = 0.5
    queue_messages(1)
    # The server stalls on RCPT: nothing of the message was handed over yet.
    stalled = threading.Event()
    smtp_sink.on_rcpt = lambda address: stalled.wait(10)

    result = send_due_messages(timezone.now(), 500)
    smtp_sink.on_rcpt = None
    stalled.set()

    message = Message.objects.get()
    assert (result.sent, result.failed, result.retried) == (0, 0, 1)
    assert message.status == "retry_scheduled" and message.handed_at is None
    assert "TimeoutError" in message.error and not message.error.startswith("outcome unknown")
    clock.shift(dt.timedelta(hours=1))
    assert send_due_messages(timezone.now(), 500).sent == 1
    assert len(smtp_sink.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_outbox_over_tls_drives_every_connection_and_sends_each_message_once(tls_smtp_sink, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND, "SEND_CONNECTIONS": 3}
    queue_messages(12)
    tls_smtp_sink.wait_for_company = True

    result = send_due_messages(timezone.now(), 500)

    ids = collections.Counter(tls_smtp_sink.message_ids())
    assert result.sent == 12 and len(ids) == 12 and set(ids.values()) == {1}
    assert tls_smtp_sink.encrypted == [True] * 12
    assert tls_smtp_sink.most_open_transactions > 1, "several connections at once"


@pytest.mark.django_db(transaction=True)
def test_outbox_unreadable_reply_after_the_end_of_data_marker_is_outcome_unknown_never_resent(scripted_smtp, clock):
    replies = [b"OK queued\r\n", b"250 OK\r\n"]  # the first has no reply code (a broken proxy)
    server = scripted_smtp(lambda recipient, connection: connection.sendall(replies.pop(0)))
    queue_messages(1)

    first = send_due_messages(timezone.now(), 500)
    clock.shift(dt.timedelta(days=1))
    send_due_messages(timezone.now(), 500)

    message = Message.objects.get()
    assert (first.failed, first.retried) == (1, 0)
    assert message.status == "failed" and message.error.startswith("outcome unknown")
    assert server.delivered == ["h0@example.com"], "delivered once, not again"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stop", [KeyboardInterrupt, SoftTimeLimitExceeded])
def test_outbox_stopped_while_starting_a_send_stops_at_once_and_loses_nothing(smtp_sink, settings, monkeypatch, stop):
    import drip_plugin.tasks  # noqa: F401  as in a worker: registers Celery's time limit as a stop
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND, "SEND_CONNECTIONS": 2}
    queue_messages(6)
    envelope, calls = drip_smtp.envelope, []

    def stopped_on_the_third(email):  # building the MIME bytes: where a Ctrl-C or Celery's time limit lands
        calls.append(email)
        if len(calls) == 3:
            raise stop()
        return envelope(email)

    monkeypatch.setattr(drip_smtp, "envelope", stopped_on_the_third)
    with pytest.raises(stop):
        send_due_messages(timezone.now(), 500)
    assert not Message.objects.filter(status="failed").exists(), "the stop is not the message's fault"

    monkeypatch.undo()
    assert_each_sent_once_after_the_lease(smtp_sink, 6)


@pytest.mark.django_db(transaction=True)
def test_outbox_interrupted_ends_sends_before_their_marker_unsent_without_waiting_for_their_server(
        scripted_smtp, settings, monkeypatch):
    server = scripted_smtp(lambda recipient, connection: connection.sendall(b"250 OK\r\n"))
    server.held.add("h0@example.com")  # its server sits on the RCPT reply
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SEND_CONNECTIONS": 2, "MAX_ATTEMPTS": 1}
    queue_messages(2)
    envelope, calls = drip_smtp.envelope, []

    def interrupted_on_the_second(email):
        calls.append(email)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return envelope(email)

    monkeypatch.setattr(drip_smtp, "envelope", interrupted_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        send_due_messages(timezone.now(), 500)
    server.release.set()
    # Not a timed-out (on its last attempt: failed) send: it never reached its marker.
    assert set(Message.objects.values_list("status", "attempts", "error")) == {("queued", 0, "")}
    assert server.delivered == []



@pytest.mark.django_db(transaction=True)
def test_point6_a_tick_loads_the_due_messages_one_claim_of_batch_size_at_a_time(settings, monkeypatch):
    """Issue 23, goal 6 (worker memory flat): however many messages are due,
    the sender loads one claim of BATCH_SIZE rows at a time and lets it go
    before the next, so a tick sending five times more holds no more rows
    (bench/memory.py measures the peak RSS)."""
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "BATCH_SIZE": 4}
    queue_messages(18)
    loaded: list[int] = []
    load_claim = outbox.leased

    def loading(claim):
        batch = load_claim(claim)
        loaded.append(len(batch))
        return batch

    monkeypatch.setattr(outbox, "leased", loading)
    assert tick().sent == 18
    assert loaded == [4, 4, 4, 4, 2]
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}
