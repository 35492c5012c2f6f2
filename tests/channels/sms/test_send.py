"""Issue 25: SMS as a channel of a sequence, sent through Twilio's SDK to a local fake of its API."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from drip_plugin import track
from drip_plugin.models import Enrollment, Message
from drip_plugin.scheduling import tick
from tests.channels.sms.conftest import sms_contact, sms_text

pytestmark = pytest.mark.django_db


def cart_sequence(make_sequence, **fields):
    return make_sequence("Cart", "checkout_updated", [
        {"subject": "You left {{ cart.lines|length }} items", "delay_amount": 1, "delay_unit": "hours"},
        {"kind": "sms", "sms": sms_text("Hi {{ contact.first_name }}, your {{ cart.lines|length }} items wait."),
         "delay_amount": 4, "delay_unit": "hours", **fields},
        {"subject": "Last chance", "delay_amount": 24, "delay_unit": "hours"},
    ], journey_per="checkout_id", exit_events="order_completed")


def abandon_cart(email="cat@example.com"):
    track("checkout_updated", email=email, properties={"checkout_id": "c1", "cart": {"lines": [{"name": "a"}]}})


def test_point_cart_sequence_email_then_sms_four_hours_later_then_stops_on_order(make_sequence, clock, twilio_fake):
    cart_sequence(make_sequence)
    sms_contact(first_name="Cat")
    abandon_cart()
    clock.shift(dt.timedelta(hours=1))
    assert tick().sent == 1
    assert [m.subject for m in mail.outbox] == ["You left 1 items"]
    assert twilio_fake.received == []

    clock.shift(dt.timedelta(hours=4) - dt.timedelta(seconds=1))
    assert tick().sent == 0, "the SMS waits the full four hours"
    clock.shift(dt.timedelta(seconds=1))
    assert tick().sent == 1

    (request,) = twilio_fake.received
    assert request.path == f"/2010-04-01/Accounts/{twilio_fake.account_sid}/Messages.json"
    assert request.authorization == (twilio_fake.account_sid, twilio_fake.auth_token)
    assert request.user_agent.startswith("twilio-python/")  # the official SDK made it
    assert request.form == {"To": "+33612345678", "From": "Boutique", "Body": "Hi Cat, your 1 items wait.",
                            "StatusCallback": "http://testserver/drip/channels/sms/status/"}
    sms = Message.objects.get(channel="sms")
    assert (sms.status, sms.address, sms.to_email, sms.sent_at) == ("sent", "+33612345678", "", clock_now())
    assert sms.esp_message_id.startswith("SM") and sms.handed_at is not None
    assert sms.subject == "SMS · Cart SMS"  # what the contact's timeline shows

    track("order_completed", email="cat@example.com", properties={"order_id": "o1", "checkout_id": "c1"})
    assert Enrollment.objects.get().state == "exited"
    clock.shift(dt.timedelta(days=2))
    assert tick().sent == 0
    assert len(mail.outbox) == 1 and len(twilio_fake.received) == 1


def clock_now():
    from django.utils import timezone

    return timezone.now()


def test_point_fallback_skip_records_why_and_the_journey_goes_on(make_sequence, clock, twilio_fake):
    cart_sequence(make_sequence)
    sms_contact(phone="")  # no phone number
    abandon_cart()
    clock.shift(dt.timedelta(hours=5))
    tick()
    skipped = Message.objects.get(channel="sms")
    assert (skipped.status, skipped.error, skipped.subject) == ("suppressed", "not sent: no phone number",
                                                                "SMS · Send an SMS #2")
    assert twilio_fake.received == []
    assert Enrollment.objects.get().current_step.sort_order == 2  # on to the last email


def test_point_fallback_to_email_when_the_contact_has_no_sms_consent(make_sequence, clock, twilio_fake):
    from drip_plugin.models import Email

    backup = Email.objects.create(name="Cart reminder", subject="Your cart waits",
                                  mjml="<mjml><mj-body></mj-body></mjml>", live=True)
    cart_sequence(make_sequence, fallback="email", email=backup)
    sms_contact(sms_consent="")
    abandon_cart()
    clock.shift(dt.timedelta(hours=5))
    tick()
    # Both are due in this tick: the order they leave in is not part of the contract.
    assert sorted(m.subject for m in mail.outbox) == ["You left 1 items", "Your cart waits"]
    fallback = Message.objects.get(step__kind="sms")
    assert (fallback.channel, fallback.to_email, fallback.status) == ("email", "cat@example.com", "sent")
    assert twilio_fake.received == []


def test_point_sms_without_consent_refused_at_send_time_when_withdrawn_after_queueing(make_sequence, clock, twilio_fake):
    from drip_plugin.channels.registry import channel_named
    from drip_plugin.engine import advance_due_enrollments
    from drip_plugin.models import Contact

    cart_sequence(make_sequence)
    sms_contact()
    abandon_cart()
    clock.shift(dt.timedelta(hours=5))
    while advance_due_enrollments(clock_now(), 100):
        pass
    Contact.objects.update(sms_consent="withdrawn")
    assert channel_named("sms").send_due(clock_now(), 100).suppressed == 1
    assert twilio_fake.received == []


def test_point_twilio_error_answer_fails_the_sms_without_retry(make_sequence, clock, twilio_fake):
    cart_sequence(make_sequence)
    sms_contact()
    abandon_cart()
    twilio_fake.fail_next(400, 21211, "The 'To' number is not a valid phone number.")
    clock.shift(dt.timedelta(hours=5))
    assert tick().failed == 1
    sms = Message.objects.get(channel="sms")
    assert sms.status == "failed" and "21211" in sms.error


def test_point_twilio_busy_answer_retries_later(make_sequence, clock, twilio_fake):
    cart_sequence(make_sequence)
    sms_contact()
    abandon_cart()
    twilio_fake.fail_next(429, 20429, "Too Many Requests")
    clock.shift(dt.timedelta(hours=5))
    assert tick().retried == 1
    clock.shift(dt.timedelta(hours=1))
    assert tick().sent == 1
    assert len(twilio_fake.received) == 2
    assert Message.objects.get(channel="sms").status == "sent"


def test_point_at_most_once_timeout_after_hand_over_is_outcome_unknown_never_resent(make_sequence, clock, twilio_fake,
                                                                                    settings):
    import threading

    cart_sequence(make_sequence)
    sms_contact()
    abandon_cart()
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "TWILIO_TIMEOUT": 0.2}
    twilio_fake.hold = threading.Event()  # Twilio takes the request and does not answer in time
    clock.shift(dt.timedelta(hours=5))
    assert tick().failed == 1
    sms = Message.objects.get(channel="sms")
    assert sms.status == "failed" and sms.error.startswith("outcome unknown")
    assert sms.handed_at is not None
    twilio_fake.hold.set()
    clock.shift(dt.timedelta(days=1))
    tick()
    assert len(twilio_fake.received) == 1, "never resent"


def test_point_segment_cap_holds_for_the_merged_text(make_sequence, clock, twilio_fake, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SMS_MAX_SEGMENTS": 1}
    make_sequence("Cart", "checkout_updated", [{"kind": "sms", "sms": sms_text("Hi {{ contact.first_name }}")}])
    sms_contact(first_name="Ç" * 100 + "😀")  # 😀: UCS-2, and far over 70 units
    track("checkout_updated", email="cat@example.com", properties={"checkout_id": "c1"})
    assert tick().failed == 1
    failed = Message.objects.get(channel="sms")
    assert "segments (UCS-2) once merged, over SMS_MAX_SEGMENTS (1)" in failed.error
    assert twilio_fake.received == []


def test_point_send_in_workers_queues_one_task_per_claim_and_channel(make_sequence, clock, twilio_fake, settings,
                                                                     celery_memory_app):
    celery_memory_app.conf.task_always_eager = True  # the worker runs each task as it is queued
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SEND_IN_WORKERS": True}
    make_sequence("Cart", "checkout_updated", [{"subject": "Your cart"}, {"kind": "sms", "sms": sms_text("Hi")}])
    sms_contact()
    abandon_cart()
    assert tick().dispatched == 2  # the email's claim, then the SMS's
    assert len(mail.outbox) == 1 and len(twilio_fake.received) == 1
    assert set(Message.objects.values_list("channel", "status")) == {("email", "sent"), ("sms", "sent")}
