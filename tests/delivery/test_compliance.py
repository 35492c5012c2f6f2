"""Issue 6: RFC 8058 unsubscribe, bounce/complaint suppression, GDPR erase."""
from __future__ import annotations

import datetime as dt
import itertools
import io
import json
import re

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.core import mail
from django.core.management import call_command

from drip_plugin import track
from drip_plugin.models import Contact, Message, MessageEvent, Suppression
from drip_plugin.scheduling import tick
from tests.factories import build_sequence, sent_message

TWO_STEPS = [(0, "days", "One"), (1, "days", "Two")]


def first_email(address="u@example.com"):
    sent_message(address, TWO_STEPS)
    return mail.outbox[0]


def unsubscribe_path(email) -> str:
    header = email.extra_headers["List-Unsubscribe"]
    return re.search(r"<http://testserver(/[^>]+)>", header).group(1)


def test_rfc8058_headers_present(db, clock, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "UNSUBSCRIBE_MAILTO": "unsubscribe@shop.test"}
    email = first_email()
    headers = email.extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://testserver/drip/unsubscribe/[^>]+/>, <mailto:unsubscribe@shop.test\?subject=unsubscribe>",
                        headers["List-Unsubscribe"])
    assert headers["List-Id"].startswith("Welcome <welcome.")
    message = Message.objects.get()
    assert headers["Message-ID"] == f"<drip.{message.token}@shop.test>"
    assert email.metadata == {"drip_message": str(message.pk), "drip_enrollment": str(message.enrollment_id),
                              "drip_step": str(message.step_id)}


def test_rfc8058_one_click_post_unsubscribes_at_once_without_csrf(db, clock, client):
    email = first_email()
    client.handler.enforce_csrf_checks = True
    response = client.post(unsubscribe_path(email), data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not Contact.objects.get().is_subscribed
    clock.shift(dt.timedelta(days=1))
    tick()
    assert len(mail.outbox) == 1, "pending steps stop after unsubscribing"


def test_rfc8058_get_shows_preferences_and_changes_nothing(db, clock, client):
    email = first_email()
    response = client.get(unsubscribe_path(email))
    assert response.status_code == 200
    assert b"Unsubscribe from everything" in response.content
    assert Contact.objects.get().is_subscribed


def test_rfc8058_tampered_token_is_400_and_logged(db, clock, client, caplog):
    email = first_email()
    path = unsubscribe_path(email)
    response = client.post(path.replace("/unsubscribe/", "/unsubscribe/x"), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400
    assert "bad signature" in caplog.text
    assert Contact.objects.get().is_subscribed


def test_preference_centre_opt_out_of_one_sequence_and_resubscribe(db, clock, client):
    email = first_email()
    contact = Contact.objects.get()
    sequence = Message.objects.get().enrollment.sequence
    client.post(unsubscribe_path(email), {"action": "save", "opt_out": [str(sequence.pk)]})
    assert list(contact.opted_out_of.all()) == [sequence]
    clock.shift(dt.timedelta(days=1))
    tick()
    assert Message.objects.get(step__sort_order=1).status == "suppressed"
    client.post(unsubscribe_path(email), {"action": "unsubscribe_all"})
    client.post(unsubscribe_path(email), {"action": "resubscribe"})
    assert Contact.objects.get().is_subscribed


EVENT_IDS = itertools.count(1)


def test_preferences_with_any_posted_ids_never_500_and_only_opt_out_of_received_sequences(db, clock, client):
    email = first_email()
    other = build_sequence(name="Never received", trigger="other")
    received = Message.objects.get().enrollment.sequence
    response = client.post(unsubscribe_path(email), {"action": "save", "opt_out": [
        "²", "9" * 30, "-1", "", str(other.pk), str(received.pk)]})
    assert response.status_code == 200
    assert list(Contact.objects.get().opted_out_of.all()) == [received]


def test_preferences_resubscribe_of_a_suppressed_address_says_it_was_refused(db, clock, client):
    email = first_email("hb@example.com")
    bounce("hb@example.com", "bounced", Message.objects.get())
    page = client.post(unsubscribe_path(email), {"action": "resubscribe"}).content.decode()
    assert "We cannot send to this address again" in page and "Welcome back" not in page
    assert not Contact.objects.get().is_subscribed


def test_unsubscribing_through_our_own_link_counts_in_the_steps_report(db, clock, client):
    from drip_plugin.analytics.reports import step_report

    email = first_email()
    client.post(unsubscribe_path(email), data="List-Unsubscribe=One-Click",
                content_type="application/x-www-form-urlencoded")
    (welcome,) = step_report()
    assert [step.unsubscribed for step in welcome.steps] == [1, 0]


@pytest.mark.parametrize("form", [{"action": "unsubscribe_all"}, {"List-Unsubscribe": "One-Click"}],
                         ids=["preference_centre", "one_click"])
def test_preference_centre_unsubscribe_writes_exactly_one_consent_record_and_one_event(db, clock, client, form):
    email = first_email()
    message = Message.objects.get()
    client.post(unsubscribe_path(email), form)
    contact = Contact.objects.get()
    assert not contact.is_subscribed
    assert list(contact.consents.values_list("granted", "source")) == [
        (False, "preference centre" if "action" in form else "one-click unsubscribe (RFC 8058)")]
    assert list(MessageEvent.objects.values_list("message", "event_type", "recipient")) == [
        (message.pk, "unsubscribed", "u@example.com")]


def bounce(recipient: str, event_type: str, message: Message | None = None, event_id: str | None = None):
    """An ESP's tracking event; each gets its own ESP event id unless `event_id` (a resent webhook)."""
    event = AnymailTrackingEvent(event_type=event_type, recipient=recipient, timestamp=None,
                                 metadata={"drip_message": str(message.pk)} if message else {},
                                 message_id=None, event_id=event_id or f"ev-{next(EVENT_IDS)}",
                                 reject_reason="bounced")
    tracking.send(sender=object, event=event, esp_name="TestESP")


def test_hard_bounce_via_anymail_tracking_suppresses_and_stops_sends(db, clock):
    first_email("hb@example.com")
    bounce("hb@example.com", "bounced", Message.objects.get())
    assert MessageEvent.objects.get().event_type == "bounced"
    assert Suppression.objects.get().reason == "hard bounce"
    assert not Contact.objects.get().is_subscribed
    clock.shift(dt.timedelta(days=1))
    tick()
    assert len(mail.outbox) == 1


def sent_messages(clock, address: str, count: int) -> list[Message]:
    """`count` drip messages sent to `address`, one a day."""
    build_sequence(name="Daily", steps=[(0 if day == 0 else 1, "days", f"Day {day}") for day in range(count)])
    track("signed_up", email=address)
    for _ in range(count):
        tick()
        clock.shift(dt.timedelta(days=1, minutes=1))
    messages = list(Message.objects.filter(to_email=address).order_by("pk"))
    assert len(messages) == count
    return messages


@pytest.mark.parametrize(("soft_bounced_messages", "suppressed"), [(8, True), (3, False)])
def test_soft_bounces_of_8_messages_suppress_3_do_not(db, clock, soft_bounced_messages, suppressed):
    for message in sent_messages(clock, "soft@example.com", soft_bounced_messages):
        bounce("soft@example.com", "deferred", message)
    assert Suppression.objects.exists() is suppressed
    assert Contact.objects.get().is_subscribed is not suppressed


def test_a_resent_webhook_counts_once_not_as_8_soft_bounces(db, clock):
    first_email("soft@example.com")
    for _ in range(8):
        bounce("soft@example.com", "deferred", Message.objects.get(), event_id="the-same-event")
    assert not Suppression.objects.exists()
    assert Contact.objects.get().consecutive_soft_bounces == 1 and MessageEvent.objects.count() == 1


def test_point6_eight_deferrals_of_one_greylisted_message_count_once(db, clock):
    first_email("grey@example.com")
    for _ in range(8):  # the ESP retries and reports each attempt, each with its own event id
        bounce("grey@example.com", "deferred", Message.objects.get())
    assert MessageEvent.objects.filter(bounce="soft").count() == 8
    assert Contact.objects.get().consecutive_soft_bounces == 1 and not Suppression.objects.exists()


def test_point6_a_soft_bounce_matching_no_drip_message_is_stored_not_counted(db, clock):
    first_email("soft@example.com")
    for _ in range(8):
        bounce("soft@example.com", "deferred")
    assert MessageEvent.objects.count() == 8
    assert Contact.objects.get().consecutive_soft_bounces == 0 and not Suppression.objects.exists()


def test_own_open_pixel_resets_the_soft_bounce_count(db, clock, client):
    *bounced, last = sent_messages(clock, "soft@example.com", 8)
    for message in bounced:
        bounce("soft@example.com", "deferred", message)
    (pixel,) = re.findall(r'src="http://testserver(/drip/o/[^"]+)"', mail.outbox[0].alternatives[0][0])
    client.get(pixel)
    bounce("soft@example.com", "deferred", last)
    assert not Suppression.objects.exists() and Contact.objects.get().consecutive_soft_bounces == 1


def test_a_webhook_after_erasure_stores_nothing_about_the_address(db, clock):
    from drip_plugin.consent.gdpr import erase_contact

    first_email("gone@example.com")
    message = Message.objects.get()
    erase_contact(Contact.objects.get())
    bounce("gone@example.com", "opened", message)
    assert not MessageEvent.objects.exists()


def test_complaint_suppresses(db, clock):
    first_email("c@example.com")
    bounce("c@example.com", "complained")
    assert Suppression.objects.get().reason == "complaint"


def test_erase_then_reimport_stays_suppressed(db, clock):
    first_email("gdpr@example.com")
    out = io.StringIO()
    call_command("drip_export_contact", "gdpr@example.com", stdout=out)
    exported = json.loads(out.getvalue())
    assert exported["contact"]["email"] == "gdpr@example.com" and exported["messages"][0]["subject"] == "One"
    call_command("drip_erase_contact", "gdpr@example.com", stdout=io.StringIO())
    assert not Contact.objects.exists() and not Message.objects.exists()
    assert Suppression.objects.get().reason == "erased"
    track("signed_up", email="gdpr@example.com")  # re-imported
    assert not Contact.objects.get().is_subscribed
    clock.shift(dt.timedelta(days=2))
    tick()
    assert len(mail.outbox) == 1, "nothing more went to the erased address"


def test_a_contact_saved_with_a_mixed_case_email_is_found_by_esp_unsubscribes_and_gdpr_commands(db, clock):
    contact = Contact.objects.create(email=" Ada@Example.com ")  # as typed into the admin
    assert contact.email == "ada@example.com"
    bounce("Ada@Example.com", "unsubscribed")
    assert not Contact.objects.get().is_subscribed
    out = io.StringIO()
    call_command("drip_export_contact", "ADA@example.com", stdout=out)
    assert json.loads(out.getvalue())["contact"]["email"] == "ada@example.com"


def test_export_has_every_field_and_esp_events_without_a_message_and_erase_removes_them_and_saleor_payloads(
        db, clock):
    from django.utils import timezone

    from drip_plugin.consent.gdpr import erase_contact, export_contact
    from drip_plugin.contrib.saleor.models import SaleorInstallation, SaleorWebhookDelivery

    first_email("gdpr@example.com")
    contact = Contact.objects.get()
    Contact.objects.filter(pk=contact.pk).update(birthday=dt.date(1990, 6, 10))
    contact.opted_out_of.add(Message.objects.get().enrollment.sequence)
    bounce("gdpr@example.com", "deferred")  # an ESP event matching no message
    exported = export_contact(Contact.objects.get())
    assert exported["contact"]["birthday"] == dt.date(1990, 6, 10) and exported["opted_out_of"] == ["Welcome"]
    assert [e["event_type"] for e in exported["message_events"]] == ["deferred"]

    saleor = SaleorInstallation.objects.create(saleor_api_url="https://s.test/graphql/", auth_token="t",
                                               jwks_fetched_at=timezone.now())
    for email in ("GDPR@example.com", "other@example.com", "not-gdpr@example.com"):
        SaleorWebhookDelivery.objects.create(installation=saleor, event_type="CHECKOUT_UPDATED", body_sha256=email,
                                             payload={"checkout": {"email": email}}, processed_at=timezone.now())
    erase_contact(Contact.objects.get())
    assert not MessageEvent.objects.exists()
    assert sorted(d.payload["checkout"]["email"] for d in SaleorWebhookDelivery.objects.all()) == [
        "not-gdpr@example.com", "other@example.com"], "only the erased address, not one that contains it"


def test_one_esp_event_id_for_two_recipients_records_both(db, clock):
    # Amazon SES: all recipients of one notification share the event id.
    bounce("one@example.com", "bounced", event_id="ses-1")
    bounce("two@example.com", "bounced", event_id="ses-1")
    assert sorted(MessageEvent.objects.values_list("recipient", flat=True)) == ["one@example.com", "two@example.com"]
    assert Suppression.objects.count() == 2


def test_preference_centre_forms_are_csrf_checked_while_one_click_is_not(db, clock, client):
    email = first_email()
    path = unsubscribe_path(email)
    client.handler.enforce_csrf_checks = True
    assert client.post(path, {"action": "unsubscribe_all"}).status_code == 403, "a forged cross-site form"
    assert Contact.objects.get().is_subscribed
    page = client.get(path).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(path, {"action": "unsubscribe_all", "csrfmiddlewaretoken": token}).status_code == 200
    assert not Contact.objects.get().is_subscribed


def test_one_click_post_with_extra_fields_still_unsubscribes_without_cookies(db, clock, client):
    email = first_email()
    client.handler.enforce_csrf_checks = True
    response = client.post(unsubscribe_path(email), {"List-Unsubscribe": "One-Click", "action": "resubscribe"})
    assert response.status_code == 200 and not Contact.objects.get().is_subscribed
