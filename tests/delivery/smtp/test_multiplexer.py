"""Issue 6: the multiplexed hand-over (delivery/smtp/multiplexer.py): every
connection driven by the calling thread, a slow server holding up only its
own connection, PIPELINING, interrupts."""
from __future__ import annotations

import select
import smtplib
import threading

import pytest
from django.core.mail import EmailMessage

from drip_plugin.delivery.handover import OutcomeUnknown, Send
from drip_plugin.delivery.smtp import MultiplexedHandOver, dialogue as drip_smtp
from tests.factories import COMMIT_POINT_BACKEND


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

