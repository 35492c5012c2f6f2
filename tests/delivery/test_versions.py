"""Issue 15, point 10: sending works on every Django in the supported matrix
(dev.py runs this module on each row: Django 5.2 and 6.0)."""
from __future__ import annotations

import email
from email import policy

import django
import pytest
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from drip_plugin.delivery import send_due_messages
from drip_plugin.delivery.handover import Send
from drip_plugin.delivery.mime import DripEmailMessage
from drip_plugin.delivery.smtp import MultiplexedHandOver
from drip_plugin.models import Message
from tests.delivery.test_outbox import queue_messages
from tests.factories import COMMIT_POINT_BACKEND

DJANGO_SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def delivered(raw: str) -> email.message.EmailMessage:
    return email.message_from_string(raw.replace("\r\n", "\n"), policy=policy.default)


def assert_drip_email(raw: str, to: str) -> None:
    message = delivered(raw)
    assert message["To"] == to and message["Subject"] == f"Hello {to}"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe/" in message["List-Unsubscribe"]
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().strip()
    assert "</html>" in message.get_body(("html",)).get_content()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("backend", [COMMIT_POINT_BACKEND, DJANGO_SMTP_BACKEND])
def test_point10_smtp_send_works_on_installed_django(smtp_sink, settings, backend):
    """The outbox's drip emails reach the SMTP sink, whole, through the
    multiplexed sender (drip's own SMTP backend) and through Django's SMTP
    backend, on whichever Django this row installed."""
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": backend, "SEND_CONNECTIONS": 2}
    queue_messages(3)

    result = send_due_messages(timezone.now(), 500)

    assert (result.sent, result.failed) == (3, 0), django.get_version()
    assert Message.objects.filter(status="sent").count() == 3
    for raw in smtp_sink.messages:
        assert_drip_email(raw, delivered(raw)["To"])
    assert sorted(delivered(raw)["To"] for raw in smtp_sink.messages) == [f"h{i}@example.com" for i in range(3)]


def test_point10_any_email_is_sent_whole_by_the_multiplexed_sender_on_installed_django(smtp_sink, settings):
    """Emails not in drip's own form (an attachment; a non-ASCII subject)
    go out as Django's own message() over the multiplexed sender too, and a
    DripEmailMessage sent with Django's API goes through Django's backend."""
    recorded: list = []

    def record(handing, done):
        recorded.extend(done)
        return set(handing)

    attached = EmailMultiAlternatives("Ihr Warenkorb, Zoë", "Text\n", "shop@shop.test", ["a@example.com"])
    attached.attach_alternative("<p>HTML</p>", "text/html")
    attached.attach("cart.csv", "sku,qty\nA1,2\n", "text/csv")
    own_form = DripEmailMessage("Your cart", "Hi\n", "shop@shop.test", ["b@example.com"])
    own_form.attach_alternative("<p>Crème brûlée</p>", "text/html")
    with MultiplexedHandOver(COMMIT_POINT_BACKEND, 1, record) as hand_over:
        hand_over.submit(Send(email=attached))
        hand_over.drain()
    assert [send.error for send in recorded] == [None]
    settings.EMAIL_BACKEND = DJANGO_SMTP_BACKEND
    assert own_form.send() == 1  # Django's API, Django's SMTP backend

    first, second = (delivered(raw) for raw in smtp_sink.messages)
    assert first["Subject"] == "Ihr Warenkorb, Zoë"
    assert first.get_body(("plain",)).get_content() == "Text\n"
    [attachment] = first.iter_attachments()
    assert (attachment.get_filename(), attachment.get_content()) == ("cart.csv", "sku,qty\nA1,2\n")
    assert second.get_body(("html",)).get_content().strip() == "<p>Crème brûlée</p>"
    assert second.get_body(("plain",)).get_content() == "Hi\n"
