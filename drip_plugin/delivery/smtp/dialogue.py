"""Our SMTP backend, and one message's SMTP transaction as a resumable
dialogue (PIPELINING when the server offers it), with the reply reader the
multiplexer reads each connection with. The commit point: see __init__.py."""
from __future__ import annotations

import functools
import re
import smtplib
import socket
import ssl
from collections.abc import Generator

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend
from django.core.mail.message import sanitize_address

from ..mime import DripEmailMessage, wire_bytes

CRLF = b"\r\n"
DEFAULT_TIMEOUT = 60  # seconds, when EMAIL_TIMEOUT is not set

# What a dialogue yields: it waits for the server's next reply, or for the
# hand-over to be recorded before it sends the end-of-data marker.
REPLY, COMMIT = "reply", "commit"
Dialogue = Generator[str, "tuple[int, bytes] | None", None]
Envelope = tuple[str, list[str], bytes]  # sender, recipients, message bytes


def dot_stuffed(msg: bytes) -> bytes:
    """RFC 5321 §4.5.2 transparency: a line starting with "." gets another.
    smtplib does it with a regular expression; bytes.replace is several times faster."""
    return (b"." if msg.startswith(b".") else b"") + msg.replace(b"\n.", b"\n..")


_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = "[A-Za-z0-9-]{1,63}"  # longer ones fail IDNA encoding in sanitize_address
_PLAIN_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@{_LABEL}(?:\.{_LABEL})*")


@functools.lru_cache(maxsize=64)  # the sender is the same for every message
def _sanitized(address: str, encoding: str) -> str:
    return sanitize_address(address, encoding)


def envelope_address(address: str, encoding: str) -> str:
    """Django's sanitize_address(), which parses every address with the email
    package (~0.1 ms); a bare ASCII addr-spec comes out of it as it went in."""
    return address if _PLAIN_ADDRESS.fullmatch(address) else _sanitized(address, encoding)


def quoted_address(address: str) -> str:
    """smtplib.quoteaddr(), which parses every address with the email
    package again; a bare addr-spec only needs its angle brackets."""
    return f"<{address}>" if _PLAIN_ADDRESS.fullmatch(address) else smtplib.quoteaddr(address)


def envelope(email: EmailMessage) -> Envelope:
    """(sender, recipients, message bytes) as Django's SMTP backend hands them to smtplib."""
    encoding = email.encoding or settings.DEFAULT_CHARSET
    return (envelope_address(email.from_email, encoding),
            [envelope_address(address, encoding) for address in email.recipients()],
            email.smtp_bytes() if isinstance(email, DripEmailMessage) else wire_bytes(email.message()))


def command_line(verb: str, args: str = "") -> str:
    """The line smtplib's putcmd() writes for a command (and its refusal of a line break)."""
    line = f"{verb} {args}" if args else verb
    if "\r" in line or "\n" in line:
        raise ValueError(f"command and arguments contain prohibited newline characters: {line!r}")
    return line + "\r\n"


def _already_asked(verb: str, args: str = "") -> None:
    """(Pipelining: the command went out with the others.)"""


def mail_transaction(smtp: smtplib.SMTP, sender: str, recipients: list[str], data: bytes) -> Dialogue:
    """MAIL, RCPT, DATA (RFC 5321 §3.3) for one message, driven from outside.

    Yields REPLY whenever it waits for the server, which the driver sends in
    as smtplib's (code, text); yields COMMIT once the whole body is out, and
    is resumed there only if the hand-over was recorded (else closed, with
    the connection dropped: the server then discards the message). Raises
    what smtplib.sendmail raises for the same replies."""
    if not recipients:
        raise ValueError("the email has no recipients")
    smtp.ehlo_or_helo_if_needed()
    options = f" size={len(data)}" if smtp.does_esmtp and smtp.has_extn("size") else ""
    mail = ("mail", f"FROM:{quoted_address(sender)}{options}")
    rcpts = [("rcpt", f"TO:{quoted_address(recipient)}") for recipient in recipients]
    if smtp.does_esmtp and smtp.has_extn("pipelining"):
        # RFC 2920: MAIL, every RCPT and DATA in one write, their replies
        # read in order — one round trip instead of two or more.
        smtp.send("".join(command_line(*command) for command in [mail, *rcpts, ("data", "")]))
        ask = _already_asked
    else:
        ask = smtp.putcmd
    ask(*mail)
    code, text = yield REPLY
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, text, sender)
    refused = {}
    for recipient, rcpt in zip(recipients, rcpts):
        ask(*rcpt)
        code, text = yield REPLY
        if code not in (250, 251):
            refused[recipient] = (code, text)
    if len(refused) == len(recipients):
        # (A pipelined DATA's reply is left unread: a failed send's connection
        # is always dropped, so it cannot be taken for the next message's.)
        raise smtplib.SMTPRecipientsRefused(refused)
    ask("data")
    code, text = yield REPLY
    if code != 354:
        raise smtplib.SMTPDataError(code, text)
    body = dot_stuffed(data)
    smtp.send(body if body.endswith(CRLF) else body + CRLF)
    yield COMMIT
    smtp.send(b"." + CRLF)
    code, text = yield REPLY
    if code != 250:
        raise smtplib.SMTPDataError(code, text)


_MAX_LINE = 8192  # smtplib's limit for a reply line


def parse_reply(pending: bytes) -> tuple[tuple[int, bytes], bytes] | None:
    """The first whole reply in `pending`, read as smtplib.getreply() reads
    it — (code, its lines' texts joined by "\n"), code -1 if unreadable —
    and the bytes after it; None while it is still incomplete."""
    texts, start = [], 0
    while (end := pending.find(b"\n", start, start + _MAX_LINE)) >= 0:
        line, start = pending[start:end + 1], end + 1
        texts.append(line[4:].strip(b" \t\r\n"))
        try:
            code = int(line[:3])
        except ValueError:
            return (-1, b"\n".join(texts)), pending[start:]
        if line[3:4] != b"-":
            return (code, b"\n".join(texts)), pending[start:]
    if len(pending) - start >= _MAX_LINE:
        raise smtplib.SMTPResponseException(500, "Line too long.")
    return None


class ReplyReader:
    """The server's replies on one connection, taken as they arrive: reading
    never waits for the rest of a half-received reply (smtplib's would, up
    to the timeout, holding up every other connection of the sender)."""

    def __init__(self, sock: socket.socket):
        self.sock, self.pending = sock, b""

    def buffered(self) -> tuple[int, bytes] | None:
        """A whole reply that has already arrived, if any."""
        parsed = parse_reply(self.pending)
        if parsed is None:
            return None
        reply, self.pending = parsed
        return reply

    def read(self) -> tuple[int, bytes] | None:
        """What the server sent (call when the socket is readable): the next
        whole reply, or None while it is incomplete."""
        data = self._received()
        if data is None:  # TLS: only part of a record yet, or one without data (a session ticket)
            return None
        if not data:
            # Like smtplib, take a last line cut short by the close as it is.
            if self.pending and not self.pending.endswith(b"\n"):
                self.pending += b"\n"
                if (reply := self.buffered()) is not None:
                    return reply
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        self.pending += data
        return self.buffered()

    def _received(self) -> bytes | None:
        if not isinstance(self.sock, ssl.SSLSocket):
            return self.sock.recv(65536)  # readable: returns at once
        # A TLS read would wait (up to the timeout) for the rest of a record:
        # non-blocking for this read only, the writes keep their timeout.
        timeout = self.sock.gettimeout()
        self.sock.settimeout(0)
        try:
            data = self.sock.recv(65536)
        except (ssl.SSLWantReadError, BlockingIOError):
            return None
        else:
            while data and self.sock.pending():  # decrypted already: the socket no longer says so
                data += self.sock.recv(self.sock.pending())
            return data
        finally:
            self.sock.settimeout(timeout)


class _NoDelay:
    def connect(self, *args, **kwargs):
        reply = super().connect(*args, **kwargs)
        # The end-of-data marker is a small write right after the body;
        # Nagle's algorithm would hold it until the body is acknowledged.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reply


class NoDelaySMTP(_NoDelay, smtplib.SMTP):
    pass


class NoDelaySMTPSSL(_NoDelay, smtplib.SMTP_SSL):
    pass


class EmailBackend(DjangoSMTPBackend):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django's EMAIL_TIMEOUT defaults to none at all: a stalled server
        # would hold the sender forever.
        if self.timeout is None:
            self.timeout = DEFAULT_TIMEOUT

    @property
    def connection_class(self):
        return NoDelaySMTPSSL if self.use_ssl else NoDelaySMTP
