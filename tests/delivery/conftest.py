from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


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
    most_open_transactions: int = 0

    async def handle_MAIL(self, server, session, envelope: Envelope, address, mail_options):
        with self.lock:
            self.open_transactions += 1
            self.most_open_transactions = max(self.most_open_transactions, self.open_transactions)
        envelope.mail_from, envelope.mail_options = address, list(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope: Envelope, address, rcpt_options):
        if self.on_rcpt:
            self.on_rcpt(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope: Envelope):
        recipient = envelope.rcpt_tos[0]
        self.data_threads.update(thread.name for thread in threading.enumerate())
        with self.lock:
            self.open_transactions -= 1
            scripted = self.replies.get(recipient)
            if scripted:
                return scripted.pop(0)
            self.messages.append(envelope.content.decode("utf8", "replace"))
            count = len(self.messages)
        if self.on_message:
            self.on_message(count)
        return "250 OK"

    def message_ids(self) -> list[str]:
        import email

        return [email.message_from_string(raw)["Message-ID"] for raw in self.messages]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
