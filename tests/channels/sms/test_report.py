"""Issue 25: the report per channel — sent, delivered, clicked, opted out, conversions."""
from __future__ import annotations

import datetime as dt
import re

from drip_plugin import track
from drip_plugin.analytics.reports import step_report
from drip_plugin.delivery.tracking import record_message_event
from drip_plugin.models import Message
from drip_plugin.scheduling import tick
from tests.channels.sms.conftest import signed_post, sms_contact, sms_text


def test_point_report_per_channel_sent_delivered_clicked_opted_out_conversions(make_sequence, clock, twilio_fake,
                                                                               admin_client):
    make_sequence("Cart", "checkout_updated", [
        {"subject": "Your cart"},
        {"kind": "sms", "sms": sms_text("Back to your cart: https://shop.test/cart"), "delay_amount": 4,
         "delay_unit": "hours"},
    ])
    for n, email in enumerate(["ann@example.com", "bob@example.com"]):
        sms_contact(email=email, phone=f"+3361234567{n}")
        track("checkout_updated", email=email, properties={"checkout_id": f"c{n}"})
    tick()
    clock.shift(dt.timedelta(hours=4))
    tick()
    ann_sms, bob_sms = Message.objects.filter(channel="sms").order_by("address")
    record_message_event(Message.objects.get(channel="email", to_email="ann@example.com"), "delivered",
                         "ann@example.com", esp_event_id="e1")
    signed_post(admin_client, "/drip/channels/sms/status/",
                {"MessageSid": ann_sms.esp_message_id, "MessageStatus": "delivered"})
    short = re.search(r"/drip/s/[\w-]+/", twilio_fake.received[0].form["Body"]).group()
    admin_client.logout()  # a staff click would be flagged
    clock.shift(dt.timedelta(minutes=5))  # (one right after the send would be a link scanner's)
    admin_client.get(short)  # ann clicks her SMS's link…
    track("order_completed", email="ann@example.com",
          properties={"order_id": "o1", "order": {"total": "30.00", "currency": "EUR"}})  # …and orders
    signed_post(admin_client, "/drip/channels/sms/inbound/", {"From": bob_sms.address, "Body": "STOP"})

    (cart,) = step_report()
    email, sms = cart.channels
    assert (email.label, email.sent, email.delivered, email.clicked, email.unsubscribed, email.converted) == (
        "email", 2, 1, 0, 0, 0)
    assert (sms.label, sms.sent, sms.delivered, sms.clicked, sms.unsubscribed, sms.converted) == (
        "SMS", 2, 1, 1, 1, 1)
