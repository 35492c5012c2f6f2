"""Issue 6: one message's SMTP dialogue (delivery/smtp/dialogue.py): the
commit point before the end-of-data marker, envelope addresses, replies read
as smtplib reads them, the pipelined envelope."""
from __future__ import annotations

import io
import re
import smtplib
import socket

import pytest
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address
from django.db import DatabaseError
from hypothesis import given, strategies as st

from drip_plugin.delivery.smtp.dialogue import COMMIT, REPLY, EmailBackend as CommitPointBackend, dot_stuffed, \
    envelope, ReplyReader, envelope_address, mail_transaction, parse_reply, quoted_address


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

