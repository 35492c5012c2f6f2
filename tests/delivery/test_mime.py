"""The fast MIME form (delivery/mime.py) means exactly what Django's does."""
from __future__ import annotations

import email
from email import policy
from email.generator import NLCRE, Generator
from email.policy import compat32

import pytest
import time_machine
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend
from hypothesis import given, settings, strategies as st

from drip_plugin.delivery.mime import _POLICY, DripEmailMessage, _BytesGenerator, line_endings, wire_bytes

HEADERS = {
    "Message-ID": "<drip.abc@shop.test>",
    "List-Unsubscribe": "<https://shop.test/drip/unsubscribe/" + "x" * 90 + "/>, <mailto:unsub@shop.test?subject=unsubscribe>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "List-Id": "Cart reminder <cart-reminder.3.drip.shop.test>",
}
HTML_CASES = [
    "<p>plain ascii</p>",
    "<p>Crème brûlée — 9,90 € 🎉</p>\n<p>second line</p>",
    "<p>" + "a long line with = signs and trailing space " * 60 + " </p>",
    ".a line starting with a dot\r\nCRLF line\rCR line\n\tTabbed =3D literal",
]


def both(subject: str, html: str, text: str = "Hello\n") -> tuple[email.message.EmailMessage, email.message.EmailMessage]:
    parsed = []
    for cls in (EmailMultiAlternatives, DripEmailMessage):
        message = cls(subject, text, "Test Shop <hello@shop.test>", ["Zoë <zoe@example.com>"], headers=HEADERS)
        message.attach_alternative(html, "text/html")
        raw = wire_bytes(message.message())
        assert b"\n" not in raw.replace(b"\r\n", b""), "only CRLF line endings on the wire"
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
        parsed.append(email.message_from_bytes(raw, policy=policy.default))
    return parsed[0], parsed[1]


def normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def test_mime_bytes_carry_the_same_headers_and_parts_as_djangos():
    for subject in ("Your cart", "Votre panier vous attend, Zoë — 2 articles"):
        for html in HTML_CASES:
            django_form, drip_form = both(subject, html, text="Hi Zoë\nline two\n")
            for name in ("Subject", "From", "To", *HEADERS):
                assert str(drip_form[name]) == str(django_form[name]), name
            for kind in ("html", "plain"):
                assert normalised(drip_form.get_body((kind,)).get_content()) == \
                    normalised(django_form.get_body((kind,)).get_content()), (kind, html[:30])


def test_mime_as_string_and_as_bytes_agree():
    message = DripEmailMessage("Hi", "text", "hello@shop.test", ["a@example.com"], headers=HEADERS)
    message.attach_alternative("<p>é</p>", "text/html")
    mime = message.message()
    assert mime.as_bytes() == mime.as_string().encode("ascii")


@given(st.one_of(
    st.text(alphabet=st.characters(min_codepoint=9, max_codepoint=126), max_size=120),
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=50, max_size=1200),  # one word
))
def test_mime_header_fast_path_folds_exactly_like_compat32(value):
    def fold(folding_policy, name):
        try:
            return folding_policy.fold(name, value)
        except Exception as exc:  # compat32 refuses some control characters
            return type(exc)

    for name in ("Subject", "List-Id", "X-A-Rather-Long-Header-Name"):
        assert fold(_POLICY, name) == fold(compat32, name)


PRINTABLE = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=90)
PLAIN = st.from_regex(r"[!-~]{1,10}( [!-~]{1,10}){0,8}", fullmatch=True)  # a subject Django keeps as it is
ANY_TEXT = st.lists(st.sampled_from(["a", " ", ".", "=", "\n", "\r", "\r\n", "é", "🎉", "x" * 400]), max_size=12).map("".join)


@pytest.fixture(scope="module")
def fixed_boundary():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_BytesGenerator, "_make_boundary", classmethod(lambda cls, text=None: "=_drip_" + "f" * 32))  # as long as real ones
        yield


@time_machine.travel("2026-11-26 12:00:00", tick=False)
@settings(max_examples=300)
@given(subject=st.one_of(PLAIN, PRINTABLE, ANY_TEXT), body=ANY_TEXT, html=ANY_TEXT, to=st.sampled_from(
    ["c1@example.com", "Zoë <zoe@example.com>", "a@b.c, d@e.f"]), header=st.one_of(PRINTABLE, ANY_TEXT),
    header_name=st.sampled_from(["List-Id", "Date", "to", "X-" + "h" * 60, "Reply-To", "Cc", "reply-to",
                                 "Content-Type", "MIME-Version"]))
def test_mime_smtp_bytes_are_byte_for_byte_what_django_would_send(fixed_boundary, subject, body, html, to, header,
                                                                 header_name):
    message = DripEmailMessage(subject, body, "Test Shop <hello@shop.test>", [to],
                               headers={**HEADERS, header_name: header})
    message.attach_alternative(html, "text/html")
    try:
        expected = wire_bytes(message.message())
    except Exception as exc:  # noqa: BLE001 - a header Django refuses is refused by both
        with pytest.raises(type(exc)):
            message.smtp_bytes()
        return
    assert message.smtp_bytes() == expected


@time_machine.travel("2026-11-26 12:00:00", tick=False)
def test_mime_smtp_bytes_take_the_direct_way_for_drips_own_form(fixed_boundary, monkeypatch):
    message = DripEmailMessage("Zoe, your cart is waiting", "Hi Zoë\nline two\n", "Test Shop <hello@shop.test>",
                               ["zoe@example.com"], headers=HEADERS)
    message.attach_alternative(HTML_CASES[2], "text/html")
    expected = message.message().as_bytes(linesep="\r\n")
    monkeypatch.setattr(DripEmailMessage, "message", lambda self: pytest.fail("built the email package's objects"))
    assert message.smtp_bytes() == expected


@given(st.lists(st.sampled_from(["a", "\r", "\n", "\r\n", "\r\r\n", "\n\r"]), max_size=20).map("".join))
def test_mime_line_endings_are_the_email_generators(text):
    for linesep in ("\r\n", "\n"):
        assert line_endings(text, linesep) == NLCRE.sub(linesep, text)


class _RecordingSMTP:
    """Stands in for smtplib.SMTP behind Django's SMTP backend: keeps what it is handed."""

    def __init__(self):
        self.sent: list[bytes] = []

    def sendmail(self, from_addr, to_addrs, msg):
        self.sent.append(msg)


@settings(max_examples=200, deadline=None)  # (no timing: a busy machine took 250 ms for one example)
@given(subject=st.one_of(PLAIN, PRINTABLE), body=ANY_TEXT, html=ANY_TEXT, attachment=st.one_of(st.none(), ANY_TEXT),
       to=st.sampled_from([["c1@example.com"], ["Zoë <zoe@exämple.com>"], ["a@b.c", "Dee <d@e.f>"]]))
def test_mime_wire_bytes_are_what_djangos_smtp_backend_sends(subject, body, html, attachment, to):
    message = EmailMultiAlternatives(subject, body, "Test Shop <hello@shop.test>", to,
                                     headers={**HEADERS, "Date": "Thu, 26 Nov 2026 12:00:00 -0000"})
    message.attach_alternative(html, "text/html")
    if attachment is not None:
        message.attach("notes.txt", attachment, "text/plain")
    backend, smtp = DjangoSMTPBackend(), _RecordingSMTP()
    backend.connection = smtp
    same_boundary = classmethod(lambda cls, text=None: "=_drip_" + "f" * 32)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Generator, "_make_boundary", same_boundary)  # Django's messages: the standard generator
        patch.setattr(_BytesGenerator, "_make_boundary", same_boundary)
        assert backend._send(message)
        assert wire_bytes(message.message()) == smtp.sent[0]
