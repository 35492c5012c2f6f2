"""Issue 25: Twilio's inbound SMS (STOP, HELP, YES) and status callbacks, signed as Twilio signs them."""
from __future__ import annotations

import datetime as dt
import logging
import re

import pytest

from drip_plugin import track
from drip_plugin.models import Consent, Contact, Message, MessageEvent, StepDay
from drip_plugin.scheduling import tick
from tests.channels.sms.conftest import signed_post, sms_contact, sms_text

pytestmark = pytest.mark.django_db
INBOUND, STATUS = "/drip/channels/sms/inbound/", "/drip/channels/sms/status/"


def inbound(client, body: str, phone: str = "+33612345678", **kwargs):
    return signed_post(client, INBOUND, {"MessageSid": "SM" + "a" * 32, "AccountSid": "AC" + "0" * 32,
                                         "From": phone, "To": "+15005550006", "Body": body}, **kwargs)


def two_sms_sequence(make_sequence):
    return make_sequence("Cart", "checkout_updated", [
        {"kind": "sms", "sms": sms_text("Your cart waits"), "delay_amount": 1, "delay_unit": "hours"},
        {"kind": "sms", "sms": sms_text("Last call", name="Last"), "delay_amount": 1, "delay_unit": "hours"},
    ])


@pytest.mark.parametrize("word", ["STOP", "unsubscribe", "Arrêt", " stop. "])
def test_point_stop_by_inbound_sms_opts_out_at_once(make_sequence, clock, twilio_fake, client, word):
    two_sms_sequence(make_sequence)
    contact = sms_contact()
    track("checkout_updated", email=contact.email, properties={"checkout_id": "c1"})
    clock.shift(dt.timedelta(hours=1))
    assert tick().sent == 1

    response = inbound(client, word)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    contact.refresh_from_db()
    assert contact.sms_consent == "withdrawn"
    proof = Consent.objects.get(contact=contact, channel="sms")
    assert (proof.granted, proof.source, proof.text_shown) == (False, "SMS reply", word)

    clock.shift(dt.timedelta(hours=1))
    tick()
    assert len(twilio_fake.received) == 1, "no SMS after STOP"
    assert Message.objects.get(step__sort_order=1).error == "not sent: no SMS consent"


def test_point_help_reply_gets_the_documented_answer(client, twilio_fake):
    response = inbound(client, "HELP")
    assert response.status_code == 200
    assert "Reply STOP to opt out" in response.content.decode()
    assert response.content.decode().startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')


def test_point_double_opt_in_pending_until_yes(db, twilio_fake, client, settings):
    from drip_plugin.channels.sms.consent import grant_sms_consent

    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SMS_DOUBLE_OPT_IN": True}
    contact = Contact.objects.create(email="d@example.com", phone="+33612345678")
    assert grant_sms_consent(contact, source="checkout", text_shown="Yes, text me offers") == "pending"
    (asked,) = twilio_fake.received
    assert asked.form["To"] == "+33612345678" and "Reply YES" in asked.form["Body"]
    assert "you will get our offers" in inbound(client, "yes").content.decode()
    contact.refresh_from_db()
    assert contact.sms_consent == "granted"
    assert list(Consent.objects.filter(contact=contact).values_list("granted", "source", "text_shown")) == [
        (False, "checkout", "Yes, text me offers"), (True, "SMS reply", "yes")]


def test_point_consent_proof_keeps_source_time_and_text_shown(db, clock):
    from drip_plugin import identify, record_consent
    from drip_plugin.consent.gdpr import export_contact

    contact = identify("p@example.com", phone="+33 6 12 34 56 78")
    assert contact.phone == "+33612345678"  # E.164
    proof = record_consent(email="p@example.com", channel="sms", source="checkout",
                           text_shown="Text me cart reminders", wording_version="sms-v1")
    assert (proof.channel, proof.granted, proof.source, proof.text_shown, proof.wording_version, proof.recorded_at) == (
        "sms", True, "checkout", "Text me cart reminders", "sms-v1", dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    contact.refresh_from_db()
    assert (contact.sms_consent, contact.is_subscribed) == ("granted", True)
    with pytest.raises(ValueError, match="text the person was shown"):
        record_consent(email="p@example.com", channel="sms", source="checkout", text_shown=" ")
    clock.shift(dt.timedelta(days=1))
    withdrawn = record_consent(email="p@example.com", channel="sms", source="customer service", granted=False)
    assert (withdrawn.granted, withdrawn.source) == (False, "customer service")
    contact.refresh_from_db()
    assert (contact.sms_consent, contact.is_subscribed) == ("withdrawn", True), "email consent unchanged"
    exported = export_contact(contact)
    assert [(c["channel"], c["text_shown"]) for c in exported["consents"]] == [
        ("sms", "Text me cart reminders"), ("sms", "")]


def sent_sms(make_sequence, clock) -> Message:
    two_sms_sequence(make_sequence)
    sms_contact()
    track("checkout_updated", email="cat@example.com", properties={"checkout_id": "c1"})
    clock.shift(dt.timedelta(hours=1))
    tick()
    return Message.objects.get(channel="sms", status="sent")


def status_params(message: Message, status: str = "delivered") -> dict:
    return {"MessageSid": message.esp_message_id, "MessageStatus": status, "AccountSid": "AC" + "0" * 32,
            "To": message.address, "From": "Boutique"}


def test_point_forged_status_callback_is_refused(make_sequence, clock, twilio_fake, client, caplog):
    message = sent_sms(make_sequence, clock)
    forged = signed_post(client, STATUS, status_params(message), token="not-the-auth-token")
    unsigned = client.post(STATUS, status_params(message))
    forged_stop = inbound(client, "STOP", token="not-the-auth-token")
    assert (forged.status_code, unsigned.status_code, forged_stop.status_code) == (403, 403, 403)
    assert not MessageEvent.objects.exists()
    assert Contact.objects.get().sms_consent == "granted", "a forged STOP changes nothing"
    refused = [r.getMessage() for r in caplog.records
               if r.levelno == logging.WARNING and "refused (403)" in r.getMessage()]
    assert len(refused) == 3


def test_point_status_callback_records_delivery_once(make_sequence, clock, twilio_fake, client):
    message = sent_sms(make_sequence, clock)
    assert signed_post(client, STATUS, status_params(message, "sent")).status_code == 204  # on the way: ignored
    for _ in range(2):  # Twilio may post it twice
        assert signed_post(client, STATUS, status_params(message)).status_code == 204
    assert list(MessageEvent.objects.values_list("message", "event_type")) == [(message.pk, "delivered")]
    assert StepDay.objects.get(step=message.step).delivered == 1


def test_point_status_callback_bad_input_is_a_clear_answer_not_a_500(db, twilio_fake, client):
    assert signed_post(client, STATUS, {"MessageSid": "nonsense", "MessageStatus": "delivered"}).status_code == 204
    assert client.get(STATUS).status_code == 405
    big = client.post(STATUS, "x" * 10, content_type="application/x-www-form-urlencoded",
                      CONTENT_LENGTH=str(10 * 1024 * 1024))
    assert big.status_code == 413


def test_point_sms_links_become_tracked_short_links(make_sequence, clock, twilio_fake, client):
    make_sequence("Cart", "checkout_updated", [
        {"kind": "sms", "sms": sms_text("Your cart: {{ cart.url }}. See you!")}])
    sms_contact()
    track("checkout_updated", email="cat@example.com",
          properties={"checkout_id": "c1", "cart": {"url": "https://shop.test/cart?id=c1&x=1"}})
    tick()
    body = twilio_fake.received[0].form["Body"]
    short = re.fullmatch(r"Your cart: (http://testserver/drip/s/[\w-]{8}/)\. See you!", body)
    assert short, body
    response = client.get(short.group(1).removeprefix("http://testserver"))
    assert (response.status_code, response["Location"]) == (302, "https://shop.test/cart?id=c1&x=1")
    message = Message.objects.get(channel="sms")
    assert list(message.events.values_list("event_type", "url")) == [("clicked", "https://shop.test/cart?id=c1&x=1")]
    assert client.get("/drip/s/nope/").status_code == 404


def test_point_stop_counts_as_opted_out_on_the_sms_it_answered(make_sequence, clock, twilio_fake, client):
    from drip_plugin.analytics.reports import step_report

    message = sent_sms(make_sequence, clock)
    inbound(client, "STOP")
    (sequence,) = step_report()
    figures = {figure.step_id: figure for figure in sequence.steps}
    assert (figures[message.step_id].sent, figures[message.step_id].unsubscribed) == (1, 1)
    contact = Contact.objects.get()
    assert contact.is_subscribed, "STOP ends SMS, not email"
