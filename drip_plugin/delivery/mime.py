"""The outgoing email's MIME form, built for volume.

An ordinary Django EmailMultiAlternatives, except where the standard library
is slow at what every drip email has: its HTML part is quoted-printable
encoded by binascii (C) instead of email.quoprimime (pure Python), and
serialising writes each part's body in one piece and short header lines
as they are. On the bench's cart email that is ~0.3 ms per message instead
of ~0.8 ms (bench/send_throughput.py), for bytes that mean the same thing
(tests/delivery/test_mime.py). Most anymail backends post the fields
to an HTTP API and never call message(); those that send raw MIME (Amazon
SES) get these same bytes. Over SMTP, `smtp_bytes()` writes the same bytes
without building the email package's objects at all (~0.05 ms instead of ~0.3).

Drip's own form (a text and an HTML part, plain headers) is built here from
the standard library, the same on every supported Django: Django 5.2 builds
this legacy form itself, Django 6.0 the modern email API's (whose objects
serialise several times slower). Anything else is Django's own message.
"""
from __future__ import annotations

import binascii
import re
import uuid
from email.charset import Charset
from email.generator import BytesGenerator, Generator
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from email.policy import Compat32, Policy
from email.utils import formatdate, make_msgid
from io import BytesIO, StringIO
from typing import AnyStr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME

# A value of printable ASCII words with single spaces is written unchanged
# by email.header when it fits on one line, and one word with nowhere to
# split it (no space, "," or ";": a List-Unsubscribe URL) on a line of its
# own when it does not; skipping Header() saves its cost.
_PLAIN_HEADER = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
_ONE_WORD = re.compile(r"[\x21-\x2b\x2d-\x3a\x3c-\x7e]+")


class _Policy(Compat32):
    def _fold(self, name, value, sanitize):
        if isinstance(value, str):
            if len(name) + 2 + len(value) <= (self.max_line_length or 998) and _PLAIN_HEADER.fullmatch(value):
                return f"{name}: {value}{self.linesep}"
            if self.max_line_length and _ONE_WORD.fullmatch(value):
                return f"{name}: {self.linesep} {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


_POLICY = _Policy()


def line_endings(text: AnyStr, linesep: str = "\r\n") -> AnyStr:
    """NLCRE.sub(linesep, text) — every line ending as `linesep`, as the email
    generator writes them — at the cost of str.replace, not of a regex."""
    lf, cr, sep = ("\n", "\r", linesep) if isinstance(text, str) else (b"\n", b"\r", linesep.encode("ascii"))
    text = text.replace(cr + lf, lf).replace(cr, lf)
    return text if sep == lf else text.replace(lf, sep)


class _WholeBodyMixin:
    """The stdlib writes a body line by line; one substitution does the same."""

    def _write_lines(self, lines):
        if lines:
            self.write(line_endings(lines, self._NL))

    @classmethod
    def _make_boundary(cls, text=None):
        # The stdlib compiles a regex per message to check a random boundary
        # against the whole body. "=_" never occurs in quoted-printable, and
        # 128 random bits are not guessed by a plain-text part.
        return f"=_drip_{uuid.uuid4().hex}"


class _BytesGenerator(_WholeBodyMixin, BytesGenerator):
    pass


class _Generator(_WholeBodyMixin, Generator):
    pass


class _FastMultipart(MIMEMultipart):
    """Serialised by the fast generator. Takes a line ending as Django 5.2's
    SMTP backend asks for it (`as_bytes(linesep="\r\n")`), or from the
    policy message() was given, as Django 6.0's does (`message(policy=SMTP)`)."""

    def as_string(self, unixfrom=False, linesep=None):
        fp = StringIO()
        _Generator(fp, mangle_from_=False, policy=self.policy).flatten(self, unixfrom=unixfrom, linesep=linesep)
        return fp.getvalue()

    def as_bytes(self, unixfrom=False, linesep=None):
        fp = BytesIO()
        _BytesGenerator(fp, mangle_from_=False, policy=self.policy).flatten(self, unixfrom=unixfrom, linesep=linesep)
        return fp.getvalue()


def wire_bytes(message: Message) -> bytes:
    """What Django's SMTP backend hands to smtplib for `message` (any
    EmailMessage.message(), legacy or modern): CRLF line endings, no "From "
    line mangled."""
    fp = BytesIO()
    _BytesGenerator(fp, mangle_from_=False).flatten(message, linesep="\r\n")
    return fp.getvalue()


# A text part 7bit or 8bit as it is, never base64 (spam filters frown on it).
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = None


def quoted_printable_part(text: str, subtype: str) -> MIMENonMultipart:
    """A text/<subtype> UTF-8 part, quoted-printable encoded in C."""
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(binascii.b2a_qp(text.encode("utf-8"), istext=True).decode("ascii"))
    return part


class DripEmailMessage(EmailMultiAlternatives):
    def message(self, *, policy: Policy | None = None) -> Message:
        """Drip's own form as email package objects (module docstring); any
        other email is Django's message(), given `policy` (Django 6.0+)."""
        headers = self._own_form_headers()
        if headers is None:
            return super().message() if policy is None else super().message(policy=policy)
        msg = _FastMultipart("alternative", policy=_POLICY if policy is None else _POLICY.clone(linesep=policy.linesep))
        for name, value in headers:
            msg[name] = value
        msg.attach(MIMEText(self.body, "plain", _UTF8))
        msg.attach(quoted_printable_part(self.alternatives[0][0], "html"))
        return msg

    def smtp_bytes(self) -> bytes:
        """`wire_bytes(self.message())`, byte for byte, written directly for
        drip's own form. Building the email package's objects only to
        serialise them was most of the MIME cost of a send."""
        headers = self._own_form_headers()
        if headers is None:
            return wire_bytes(self.message())
        text_bytes = line_endings(self.body).encode("utf-8")
        html = binascii.b2a_qp(self.alternatives[0][0].encode("utf-8"), istext=True)
        boundary = _BytesGenerator._make_boundary()  # always this long: the Content-Type line is folded
        part = 'Content-Type: text/{}; charset="utf-8"\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: {}\r\n\r\n'
        head = (f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\nMIME-Version: 1.0\r\n'
                + "".join(_POLICY_CRLF.fold(name, value) for name, value in headers)
                + f"\r\n--{boundary}\r\n" + part.format("plain", "7bit" if text_bytes.isascii() else "8bit"))
        middle = f"\r\n--{boundary}\r\n" + part.format("html", "quoted-printable")
        return b"".join([head.encode("ascii"), text_bytes, middle.encode("ascii"), line_endings(html),
                         f"\r\n--{boundary}--\r\n".encode("ascii")])

    def _own_form_headers(self) -> list[tuple[str, str]] | None:
        """The top-level headers of drip's own form, in the order Django's
        message() sets them, if this email has that form: a text and an
        HTML part, UTF-8, no line of the text over the limit (Django would
        quoted-printable encode it), header values the email package writes
        as they are. Else None."""
        headers = self._plain_headers()
        if headers is None:
            return None
        try:
            text_bytes = self.body.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: the email package has its own ways
            return None
        if max(map(len, text_bytes.splitlines()), default=0) > _MAX_LINE:
            return None
        return headers

    def _plain_headers(self) -> list[tuple[str, str]] | None:
        """The top-level headers in the order Django's message() sets them,
        if Django stores every one as it is (ASCII; a subject that fits on a
        line); else None."""
        alternatives = self.alternatives
        if (self.attachments or not self.body or self.content_subtype != "plain"
                or (self.encoding or settings.DEFAULT_CHARSET) != "utf-8" or len(alternatives) != 1
                or alternatives[0][1] != "text/html" or not isinstance(alternatives[0][0], str)):
            return None
        extra = self.extra_headers
        names = {name.lower() for name in extra}
        if names & {"content-type", "mime-version", "content-transfer-encoding"}:
            return None  # the email package rewrites or repeats these
        headers = [("Subject", self.subject), ("From", extra.get("From", self.from_email))]
        for name, addresses in (("To", self.to), ("Cc", self.cc), ("Reply-To", self.reply_to)):
            if name in extra or addresses:
                headers.append((name, extra[name] if name in extra else ", ".join(str(a) for a in addresses)))
        if "date" not in names:
            headers.append(("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)))
        if "message-id" not in names:
            headers.append(("Message-ID", make_msgid(domain=DNS_NAME)))
        headers += [(name, value) for name, value in extra.items()
                    if name.lower() not in {"from", "to", "cc", "reply-to"}]
        headers = [(name, str(value)) for name, value in headers]
        for name, value in headers:
            if name.lower() == "subject":
                # Django passes a subject through email.header, which folds one longer than a line.
                if not (len(value) <= _HEADER_LINE and _PLAIN_HEADER.fullmatch(value)):
                    return None
            elif not value.isascii() or "\n" in value or "\r" in value:
                return None  # encoded (or refused) by Django
        return headers


_MAX_LINE = 998  # RFC 5322 §2.1.1
_HEADER_LINE = 76  # email.header.Header's default maxlinelen
_POLICY_CRLF = _POLICY.clone(linesep="\r\n")
