"""Issue 6: concurrent hand-over with a commit point — several connections
at once, the hand-over recorded just before SMTP's end-of-data marker, and
nothing sent whose hand-over could not be recorded."""
from __future__ import annotations

import collections
import datetime as dt
import io
import re
import select
import smtplib
import socket
import threading

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address
from django.db import DatabaseError, OperationalError, transaction
from django.utils import timezone
from hypothesis import given, strategies as st

from drip_plugin import track
from drip_plugin.delivery import outbox, send_due_messages
from drip_plugin.delivery.handover import OutcomeUnknown, Send
from drip_plugin.delivery.smtp import MultiplexedHandOver, dialogue as drip_smtp
from drip_plugin.delivery.smtp.dialogue import COMMIT, REPLY, EmailBackend as CommitPointBackend, dot_stuffed, \
    envelope, ReplyReader, envelope_address, mail_transaction, parse_reply, quoted_address
from drip_plugin.engine import advance_due_enrollments
from drip_plugin.models import Message
from drip_plugin.scheduling import tick
from tests.factories import build_sequence
from tests.delivery.scripted_smtp import ScriptedSMTP

COMMIT_POINT_BACKEND = "drip_plugin.delivery.smtp.EmailBackend"


def queue_messages(count: int) -> None:
    build_sequence(steps=[(0, "days", "Hello {{ contact.email }}")])
    for i in range(count):
        track("signed_up", email=f"h{i}@example.com")
    advance_due_enrollments(timezone.now(), 500)


def run_dialogue(smtp, email: EmailMessage, commit_point) -> tuple[int, bytes]:
    """Drive one mail_transaction to its end, as the outbox does, one reply at a time."""
    dialogue = mail_transaction(smtp, *envelope(email))
    reply, wants = None, next(dialogue)
    while True:
        if wants == COMMIT:
            commit_point()
        else:
            reply = smtp.getreply()
        try:
            wants = dialogue.send(reply if wants == REPLY else None)
        except StopIteration:
            return reply


def recorded_writes(smtp) -> list[bytes]:
    """Everything written to `smtp` from now on, write by write."""
    writes, send = [], smtp.send
    smtp.send = lambda data: (writes.append(data if isinstance(data, bytes) else data.encode()), send(data))[1]
    return writes


def assert_each_sent_once_after_the_lease(smtp_sink, count: int) -> None:
    send_due_messages(timezone.now() + dt.timedelta(seconds=301), 500)
    ids = collections.Counter(smtp_sink.message_ids())
    assert len(ids) == count and set(ids.values()) == {1}, "each message exactly once"
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}


def test_commit_point_comes_after_the_body_and_before_the_end_of_data_marker(smtp_sink):
    backend = CommitPointBackend()
    backend.open()
    smtp = backend.connection
    written = recorded_writes(smtp)
    at_commit = []
    body = "first line\n.a line starting with a dot\n..and two\nlast"
    email = EmailMessage("Hi", body, "shop@shop.test", ["a@example.com"])
    final = run_dialogue(smtp, email, lambda: at_commit.append((b"".join(written), len(smtp_sink.messages))))
    backend.close()

    [(before_commit, delivered_at_commit)] = at_commit
    stuffed_body = body.replace("\n", "\r\n").replace("\r\n.", "\r\n..").encode()
    assert b"\r\nDATA\r\n" in before_commit.upper() and stuffed_body in before_commit, "the whole body went first"
    assert not before_commit.endswith(b"\r\n.\r\n"), "the end-of-data marker had not gone"
    assert b"".join(written)[len(before_commit):].startswith(b".\r\n"), "the marker came right after"
    assert delivered_at_commit == 0 and len(smtp_sink.messages) == 1 and final[0] == 250
    assert smtp_sink.messages[0].rstrip("\r\n").endswith(body.replace("\n", "\r\n")), "dot-stuffing undone intact"


@given(st.lists(st.sampled_from([b".", b"..", b"\n", b"\r", b"\r\n", b"a", b" "]), max_size=30).map(b"".join))
def test_commit_point_dot_stuffing_follows_the_rfc_5321_rule(message):
    assert dot_stuffed(message) == re.sub(rb"(?m)^\.", b"..", message)


def test_commit_point_that_fails_delivers_nothing(smtp_sink):
    backend = CommitPointBackend()
    backend.open()

    def refuse() -> None:
        raise DatabaseError("could not record the hand-over")

    with pytest.raises(DatabaseError):
        run_dialogue(backend.connection, EmailMessage("Hi", "body", "shop@shop.test", ["a@example.com"]), refuse)
    backend.connection.close()  # the dialogue stopped inside DATA
    backend.connection = None

    EmailMessage("Hi", "second", "shop@shop.test", ["b@example.com"], connection=backend).send()
    backend.close()
    assert len(smtp_sink.messages) == 1 and "second" in smtp_sink.messages[0]


@pytest.mark.django_db(transaction=True)
def test_outbox_sends_over_several_connections_at_once_each_message_once(smtp_sink, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND, "SEND_CONNECTIONS": 4}
    queue_messages(40)

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


ADDRESSES = st.one_of(
    st.text(alphabet="aZ09.-_+'@é<> \"", max_size=20),
    st.builds("{}@{}".format, st.text(alphabet="aZ09.-_+'!#`é", max_size=8),
              st.lists(st.sampled_from(["a", "Z", "0", ".", "-", "ü", "x" * 63]), max_size=8).map("".join)),
)


@given(ADDRESSES)
def test_envelope_addresses_are_what_djangos_smtp_backend_would_send(address):
    try:
        expected = sanitize_address(address, "utf-8")
    except Exception as exc:  # noqa: BLE001 - whatever Django raises, the envelope raises too
        with pytest.raises(type(exc)):
            envelope_address(address, "utf-8")
        return
    assert envelope_address(address, "utf-8") == expected


@given(ADDRESSES)
def test_envelope_addresses_are_quoted_in_mail_and_rcpt_as_smtplib_quotes_them(address):
    assert quoted_address(address) == smtplib.quoteaddr(address)


@pytest.mark.django_db(transaction=True)
def test_outbox_over_drips_smtp_backend_drives_every_connection_from_the_calling_thread(smtp_sink, settings):
    queue_messages(40)
    later = Message.objects.filter(pk__in=Message.objects.order_by("pk").values("pk")[20:])
    later.update(send_after=timezone.now() + dt.timedelta(days=1))
    assert send_due_messages(timezone.now(), 500).sent == 20  # Django's SMTP backend: a thread per connection
    assert any(name.startswith("drip-send") for name in smtp_sink.data_threads), "the check can see sending threads"

    smtp_sink.data_threads.clear()
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND, "SEND_CONNECTIONS": 4}
    smtp_sink.most_open_transactions = 0
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


def test_multiplexed_connection_the_server_closed_while_idle_is_opened_again_not_failed(smtp_sink):
    recorded: list = []

    def record(handing, done):
        recorded.extend(done)
        return set(handing)

    def email(n: int) -> Send:
        return Send(email=EmailMessage(f"Hi {n}", "body", "shop@shop.test", [f"r{n}@example.com"]))

    with MultiplexedHandOver(COMMIT_POINT_BACKEND, 1, record) as hand_over:
        hand_over.submit(email(1))
        hand_over.drain()
        [line] = hand_over.lines
        first = line.backend.connection
        first.putcmd("quit")  # the server answers 221 and closes: as one does with idle clients
        assert first.getreply()[0] == 221
        select.select([first.sock], [], [], 5)  # until its end of the connection arrives
        hand_over.submit(email(2))
        hand_over.drain()
        assert line.backend.connection is not first

    assert [send.error for send in recorded] == [None, None]
    assert len(smtp_sink.messages) == 2


@pytest.mark.django_db(transaction=True)
def test_outbox_over_tls_drives_every_connection_and_sends_each_message_once(tls_smtp_sink, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND, "SEND_CONNECTIONS": 3}
    queue_messages(12)

    result = send_due_messages(timezone.now(), 500)

    ids = collections.Counter(tls_smtp_sink.message_ids())
    assert result.sent == 12 and len(ids) == 12 and set(ids.values()) == {1}
    assert tls_smtp_sink.encrypted == [True] * 12
    assert tls_smtp_sink.most_open_transactions > 1, "several connections at once"


REPLY_LINES = st.lists(st.tuples(
    st.sampled_from(["250", "354", "421", "550", "25", "abc", "", " 25"]),
    st.sampled_from(["-", " ", ""]),
    st.sampled_from(["OK", "2.0.0 queued as 12AB", " spaced \t", "x" * 9000, ""]),
    st.sampled_from(["\r\n", "\n"]),
).map("".join), min_size=1, max_size=6).map(lambda lines: "".join(lines).encode())


def smtplib_replies(data: bytes) -> list:
    """What smtplib.getreply() reads, reply after reply, from `data`."""
    smtp, replies = smtplib.SMTP(), []
    smtp.file = io.BytesIO(data)
    while True:
        try:
            replies.append(smtp.getreply())
        except smtplib.SMTPServerDisconnected:  # all read
            return replies
        except smtplib.SMTPResponseException as exc:
            return [*replies, (type(exc), exc.smtp_code)]


def parsed_replies(data: bytes) -> list:
    replies = []
    try:
        while parsed := parse_reply(data):
            reply, data = parsed
            replies.append(reply)
    except smtplib.SMTPResponseException as exc:
        replies.append((type(exc), exc.smtp_code))
    return replies


@given(REPLY_LINES)
def test_smtp_replies_are_read_as_smtplib_reads_them(data):
    assert parsed_replies(data) == smtplib_replies(data)


def test_smtp_reply_cut_short_by_the_close_is_taken_as_smtplib_takes_it():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(b"421 4.3.2 shutting down")  # no line end: the server closed first
        theirs.close()
        replies = ReplyReader(ours)
        assert replies.read() is None, "half a line: not yet known to be the last"
        assert replies.read() == smtplib_replies(b"421 4.3.2 shutting down")[0] == (421, b"4.3.2 shutting down")


def test_smtp_reply_closed_after_a_continuation_line_is_a_disconnect_as_for_smtplib():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(b"250-first line\r\n")  # more promised, then the server closed
        theirs.close()
        replies = ReplyReader(ours)
        assert replies.read() is None and smtplib_replies(b"250-first line\r\n") == []
        with pytest.raises(smtplib.SMTPServerDisconnected):
            replies.read()


@given(REPLY_LINES, st.data())
def test_smtp_reply_cut_anywhere_waits_for_the_rest(data, draw):
    cut = draw.draw(st.integers(0, len(data)))
    first = parsed_replies(data[:cut])[:1]  # [] while incomplete
    assert first in ([], parsed_replies(data)[:1]), "the same first reply (or line too long) once enough is in"


@pytest.fixture
def scripted_smtp(settings):
    servers = []

    def start(answer_end_of_data, pipelining: bool = False) -> ScriptedSMTP:
        server = ScriptedSMTP(answer_end_of_data, pipelining)
        servers.append(server)
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": COMMIT_POINT_BACKEND}
        return server

    yield start
    for server in servers:
        server.stop()


def send_through_multiplexed(sends: list[Send], connections: int = 2) -> list[Send]:
    """Hand `sends` over on drip's SMTP backend; returns them in the order they finished."""
    finished: list = []

    def record(handing, done):
        finished.extend(done)
        return set(handing)

    with MultiplexedHandOver(COMMIT_POINT_BACKEND, connections, record) as hand_over:
        for send in sends:
            hand_over.submit(send)
        hand_over.drain()
    return finished


def test_multiplexed_reply_stalled_on_one_connection_never_times_out_another_that_answered(scripted_smtp, settings):
    release = threading.Event()

    def answer(recipient, connection):
        if recipient == "stalled@example.com":
            connection.sendall(b"250")  # half a reply, then nothing
            release.wait(10)
        else:
            threading.Event().wait(0.2)  # a server that takes a moment, then acknowledges
            connection.sendall(b"250 OK\r\n")

    scripted_smtp(answer)
    settings.EMAIL_TIMEOUT = 1
    sends = {r: Send(email=EmailMessage("Hi", "body", "shop@shop.test", [r]))
             for r in ("stalled@example.com", "fine@example.com")}
    send_through_multiplexed(list(sends.values()))
    release.set()

    assert sends["fine@example.com"].error is None, "acknowledged within 0.2 s: sent, not 'outcome unknown'"
    assert isinstance(sends["stalled@example.com"].error, OutcomeUnknown)


def test_multiplexed_half_sent_reply_holds_up_only_its_own_connection(scripted_smtp, settings):
    release = threading.Event()

    def answer(recipient, connection):
        if recipient == "stalled@example.com":
            connection.sendall(b"25")  # half a reply line, then nothing until the test ends
            release.wait(10)
        else:
            connection.sendall(b"250 OK\r\n")

    scripted_smtp(answer)
    settings.EMAIL_TIMEOUT = 2
    recipients = ["stalled@example.com"] + [f"fine{i}@example.com" for i in range(5)]
    sends = [Send(email=EmailMessage("Hi", "body", "shop@shop.test", [r])) for r in recipients]
    finished = send_through_multiplexed(sends)
    release.set()

    stalled, *fine = sends
    assert all(send.error is None for send in fine)
    assert finished.index(stalled) == len(finished) - 1, "the others went on while its server sat on half a reply"
    assert isinstance(stalled.error, OutcomeUnknown) and "no whole reply" in str(stalled.error)


def test_multiplexed_pipelines_mail_rcpt_and_data_in_one_round_trip_when_the_server_offers_it(
        scripted_smtp, settings):
    # This server answers MAIL and RCPT only once DATA has come too: waiting
    # for each reply before the next command would stall until the timeout.
    server = scripted_smtp(lambda recipient, connection: connection.sendall(b"250 OK\r\n"), pipelining=True)
    settings.EMAIL_TIMEOUT = 2
    sends = [Send(email=EmailMessage("Hi", "body", "shop@shop.test", [f"p{i}@example.com", f"q{i}@example.com"]))
             for i in range(6)]

    send_through_multiplexed(sends)

    assert [send.error for send in sends] == [None] * 6
    assert sorted(server.delivered) == sorted(f"q{i}@example.com" for i in range(6)), "each once"


def test_multiplexed_pipelined_refusals_are_read_reply_by_reply_as_without_pipelining(scripted_smtp, settings):
    server = scripted_smtp(lambda recipient, connection: connection.sendall(b"250 OK\r\n"), pipelining=True)
    server.refused.update({"gone@example.com", "left@example.com"})
    settings.EMAIL_TIMEOUT = 2
    to = {"all refused": ["gone@example.com"], "one refused": ["left@example.com", "stays@example.com"],
          "after them": ["next@example.com"]}
    sends = {case: Send(email=EmailMessage("Hi", "body", "shop@shop.test", recipients)) for case, recipients in to.items()}

    send_through_multiplexed(list(sends.values()), connections=1)

    refused = sends["all refused"].error
    assert isinstance(refused, smtplib.SMTPRecipientsRefused)
    assert refused.recipients == {"gone@example.com": (550, b"5.1.1 no such user")}
    assert sends["one refused"].error is None and sends["after them"].error is None, (
        "the pipelined DATA's 554 was not taken for the next message's reply")
    assert server.delivered == ["stays@example.com", "next@example.com"]


def test_pipelined_envelope_is_the_commands_smtplib_writes_one_by_one(smtp_sink):
    email = EmailMessage("Hi", "body", "shop@shop.test", ["a@example.com", "Bé <b@example.com>"],
                         headers={"Message-ID": "<same@shop.test>", "Date": "Mon, 07 Dec 2026 10:00:00 -0000"})
    written = {}
    for pipelining in (False, True):
        smtp_sink.pipelining = pipelining
        backend = CommitPointBackend()
        backend.open()
        writes = recorded_writes(backend.connection)
        assert run_dialogue(backend.connection, email, lambda: None)[0] == 250
        backend.close()
        data_at = next(i for i, write in enumerate(writes) if write.endswith(b"data\r\n"))
        written[pipelining] = writes[1:data_at + 1]  # after EHLO, up to DATA

    plain, pipelined = written[False], written[True]
    assert len(plain) == 4 and len(pipelined) == 1, "MAIL, two RCPT and DATA in one write"
    assert pipelined == [b"".join(plain)]
    assert len(smtp_sink.messages) == 2


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


def test_multiplexed_interrupt_while_closing_a_failed_connection_leaves_no_send_untracked(smtp_sink, monkeypatch):
    smtp_sink.replies["bad@example.com"] = ["550 5.1.1 no such user"]
    close, interrupts = drip_smtp.NoDelaySMTP.close, []

    def interrupted_once(smtp):
        if not interrupts:
            interrupts.append(True)
            raise KeyboardInterrupt
        close(smtp)

    monkeypatch.setattr(drip_smtp.NoDelaySMTP, "close", interrupted_once)
    recorded: list = []

    def record(handing, done):
        recorded.extend(done)
        return set(handing)

    hand_over = MultiplexedHandOver(COMMIT_POINT_BACKEND, 2, record)
    with pytest.raises(KeyboardInterrupt):
        with hand_over:  # close() must come back (it used to spin on a send it had lost)
            hand_over.submit(Send(email=EmailMessage("Hi", "b", "shop@shop.test", ["bad@example.com"])))
            hand_over.drain()
    assert hand_over.in_flight == 0 and [type(send.error) for send in recorded] == [smtplib.SMTPDataError]
