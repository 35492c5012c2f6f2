"""Issue 25, test send of an SMS text: the latest draft, merged for the
sample contact (or as a real contact), goes to the editor's own phone through
the SMS channel's provider — the real Twilio SDK, pointed at the local fake
of its API, so the request Twilio would get is asserted."""
from __future__ import annotations

import html

from django.urls import reverse

from drip_plugin.models import Contact, Message

from .conftest import sms_text


def test_point_sms_test_send_goes_to_the_editors_phone_through_twilio(editor, twilio_fake):
    text = sms_text("Live text")
    text.body = "Hi {{ contact.first_name }}, your cart: {{ cart.total }} {{ cart.currency }} 😀"
    text.save_revision()
    url = reverse("drip_plugin_sms_test_send", args=[text.pk])
    response = editor.post(url, {"phone": "+33 6 12 34 56 78", "as_contact": ""})
    assert response.status_code == 302 and response.url == reverse(
        "wagtailsnippets_drip_plugin_smstext:edit", args=[text.pk])
    (request,) = twilio_fake.received
    assert request.form["To"] == "+33612345678"
    assert request.form["From"] == "Boutique", "the sender for the number's country (SMS_SENDERS)"
    assert request.form["Body"] == "Hi Ada, your cart: 86.00 EUR 😀", "the draft, merged for the sample contact"
    assert "twilio-python" in request.user_agent, "sent by the official SDK"
    assert not Message.objects.exists(), "a test is not a message: statistics never count it"
    assert "Test SMS sent to +33612345678." in html.unescape(editor.get(response.url).content.decode())
    assert 'value="+33612345678"' in editor.get(url).content.decode(), "the editor's number is offered again"


def test_point_sms_test_send_as_a_real_contact(editor, twilio_fake):
    text = sms_text("Hi {{ contact.first_name }}")
    Contact.objects.create(email="zoe@example.com", first_name="Zoë")
    editor.post(reverse("drip_plugin_sms_test_send", args=[text.pk]),
                {"phone": "+33612345678", "as_contact": "zoe@example.com"})
    assert [r.form["Body"] for r in twilio_fake.received] == ["Hi Zoë"]


def test_point_sms_test_send_refused_by_twilio_is_said_not_a_500(editor, twilio_fake):
    text = sms_text("Hi")
    twilio_fake.fail_next(400, 21211, "The 'To' number +33612345678 is not a valid phone number.")
    response = editor.post(reverse("drip_plugin_sms_test_send", args=[text.pk]), {"phone": "+33612345678"})
    assert response.status_code == 200
    assert ("The SMS provider refused the test send: Twilio 400 (code 21211): Unable to create record: "
            "The 'To' number +33612345678 is not a valid phone number.") in html.unescape(response.content.decode())


def test_point_sms_test_send_of_a_broken_draft_sends_nothing(editor, twilio_fake):
    text = sms_text("Hi")
    text.body = "Hi {% if %}"
    text.save_revision(clean=False)  # as the editor's "Save draft" keeps content problems
    response = editor.post(reverse("drip_plugin_sms_test_send", args=[text.pk]), {"phone": "+33612345678"})
    assert "Not sent: template: Unexpected end of expression in if tag." in response.content.decode()
    assert twilio_fake.received == []
