from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from dataclasses import dataclass, field

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend

from tests.delivery.scripted_smtp import ScriptedSMTP
from tests.factories import COMMIT_POINT_BACKEND, free_port


@dataclass
class Sink:
    """A local SMTP server: records every message; can answer with scripted codes."""

    messages: list = field(default_factory=list)
    # recipient → list of SMTP replies to give, one per attempt ("451 …", "550 …")
    replies: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_message: object = None
    on_rcpt: object = None  # called with the recipient, before the reply
    data_threads: set = field(default_factory=set)  # threads of this process alive at each DATA
    open_transactions: int = 0  # between MAIL FROM and the end of DATA
    encrypted: list = field(default_factory=list)  # per DATA: did it come over TLS?
    most_open_transactions: int = 0
    pipelining: bool = False  # offer PIPELINING (RFC 2920); aiosmtpd reads pipelined commands either way
    peers: list = field(default_factory=list)  # per message: the (host, port) it came from
    # Hold the first transaction open until a second one starts (at most 5 s),
    # so whether a client drives several connections at once shows whatever
    # the machine's speed: a serial client never starts the second.
    wait_for_company: bool = False
    company: asyncio.Event | None = None

    async def handle_EHLO(self, server, session, envelope: Envelope, hostname, responses):
        session.host_name = hostname
        return [responses[0], "250-PIPELINING", *responses[1:]] if self.pipelining else responses

    async def handle_MAIL(self, server, session, envelope: Envelope, address, mail_options):
        with self.lock:
            self.open_transactions += 1
            self.most_open_transactions = max(self.most_open_transactions, self.open_transactions)
            if self.company and self.open_transactions > 1:
                self.company.set()
        envelope.mail_from, envelope.mail_options = address, list(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope: Envelope, address, rcpt_options):
        if self.on_rcpt:
            self.on_rcpt(address)
        if self.wait_for_company and self.company is None:
            self.company = asyncio.Event()
            if self.open_transactions < 2:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.company.wait(), 5)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope: Envelope):
        recipient = envelope.rcpt_tos[0]
        self.data_threads.update(thread.name for thread in threading.enumerate())
        self.encrypted.append(server.transport.get_extra_info("ssl_object") is not None)
        with self.lock:
            self.open_transactions -= 1
            scripted = self.replies.get(recipient)
            if scripted:
                return scripted.pop(0)
            self.messages.append(envelope.content.decode("utf8", "replace"))
            self.peers.append(session.peer)
            count = len(self.messages)
        if self.on_message:
            self.on_message(count)
        return "250 OK"

    def message_ids(self) -> list[str]:
        import email

        return [email.message_from_string(raw)["Message-ID"] for raw in self.messages]


@pytest.fixture
def smtp_sink(settings):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_TIMEOUT = 10
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"}
    yield sink
    controller.stop()


@pytest.fixture(params=["starttls", "implicit-tls"])
def tls_smtp_sink(request, settings, monkeypatch):
    """The sink behind TLS — STARTTLS (EMAIL_USE_TLS, port 587's way) or
    TLS from the first byte (EMAIL_USE_SSL, port 465's) — with a certificate
    from a throwaway CA that Django's backend is made to trust."""
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    monkeypatch.setattr(DjangoSMTPBackend, "ssl_context", client_context)
    starttls = request.param == "starttls"
    tls = {"tls_context": server_context, "require_starttls": True} if starttls else {"ssl_context": server_context}
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), **tls)
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL, settings.EMAIL_TIMEOUT = starttls, not starttls, 10
    yield sink
    controller.stop()


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

