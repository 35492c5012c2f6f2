"""Issue 6: consent records; GDPR export and erase as admin actions."""
from __future__ import annotations

import json

from django.contrib.auth import get_user_model

from drip_plugin import record_consent, track
from drip_plugin.models import Consent, Contact, Event
from drip_plugin.consent.suppression import is_suppressed


def test_consent_record_per_contact_with_source_time_and_wording_version(db, clock):
    consent = record_consent(email="Ann@Example.com", source="signup form", wording_version="newsletter-2026-01")
    assert (consent.contact.email, consent.granted, consent.source, consent.wording_version) == (
        "ann@example.com", True, "signup form", "newsletter-2026-01")
    assert consent.recorded_at.isoformat() == "2026-03-02T09:00:00+00:00"
    record_consent(email="ann@example.com", source="account settings", granted=False)
    contact = Contact.objects.get()
    assert not contact.is_subscribed
    assert list(contact.consents.order_by("pk").values_list("granted", "source")) == [
        (True, "signup form"), (False, "account settings")]


def test_consent_one_click_unsubscribe_records_the_withdrawal(db, clock, client):
    from drip_plugin.consent.suppression import unsubscribe

    contact = track("signed_up", email="u@example.com").contact
    unsubscribe(contact, "one-click unsubscribe (RFC 8058)")
    assert Consent.objects.get().granted is False


def test_consent_does_not_resubscribe_a_suppressed_address(db):
    from drip_plugin.consent.suppression import suppress

    track("signed_up", email="bounced@example.com")
    suppress("bounced@example.com", "hard bounce")
    record_consent(email="bounced@example.com", source="signup form")
    assert Contact.objects.get().is_subscribed is False
    assert Consent.objects.get().granted is True, "the evidence is kept all the same"


def test_admin_action_export_contact_data_as_json(editor, clock):
    record_consent(email="exp@example.com", source="checkout", wording_version="v3")
    contact = track("order_completed", email="exp@example.com", properties={"order_id": "o1"}).contact
    listing = editor.get("/admin/drip_contacts/")
    assert listing.status_code == 200 and f"/admin/drip_contacts/{contact.pk}/export/" in listing.content.decode()
    for page in ("edit", "inspect"):
        assert editor.get(f"/admin/drip_contacts/{page}/{contact.pk}/").status_code == 200, page
    response = editor.get(f"/admin/drip_contacts/{contact.pk}/export/")
    assert response["Content-Disposition"] == f'attachment; filename="contact-{contact.pk}.json"'
    data = json.loads(response.content)
    assert data["contact"]["email"] == "exp@example.com"
    assert [c["wording_version"] for c in data["consents"]] == ["v3"]
    assert [e["name"] for e in data["events"]] == ["order_completed"]


def test_admin_action_erase_contact_keeps_only_the_suppression_hash(editor, clock):
    contact = track("signed_up", email="gone@example.com").contact
    confirm = editor.get(f"/admin/drip_contacts/{contact.pk}/erase/")
    assert confirm.status_code == 200 and b"Yes, erase" in confirm.content
    assert Contact.objects.filter(pk=contact.pk).exists(), "GET only asks for confirmation"
    response = editor.post(f"/admin/drip_contacts/{contact.pk}/erase/")
    assert response.status_code == 302
    assert not Contact.objects.exists() and not Event.objects.exists() and not Consent.objects.exists()
    assert is_suppressed("gone@example.com")


def test_admin_actions_need_permissions(db, client):
    editor = get_user_model().objects.create_user("ed", "ed@shop.test", "pw")
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    contact = track("signed_up", email="p@example.com").contact
    assert client.get(f"/admin/drip_contacts/{contact.pk}/export/").status_code in (302, 403)
    assert client.post(f"/admin/drip_contacts/{contact.pk}/erase/").status_code in (302, 403)
    assert Contact.objects.filter(pk=contact.pk).exists()


def _contact_form(contact: Contact, **changes) -> dict:
    data = {"email": contact.email, "first_name": contact.first_name, "last_name": contact.last_name,
            "locale": contact.locale, "time_zone": contact.time_zone, "birthday": "",
            "opted_out_of": [s.pk for s in contact.opted_out_of.all()]}
    if contact.is_subscribed:
        data["is_subscribed"] = "on"
    for name, value in changes.items():
        if name == "is_subscribed" and not value:
            data.pop("is_subscribed", None)
        else:
            data[name] = value
    return data


def test_point_admin_form_subscription_changes_go_through_consent_with_a_record(editor, clock):
    from tests.factories import build_sequence

    sequence = build_sequence()
    contact = track("signed_up", email="ed@example.com").contact
    url = f"/admin/drip_contacts/edit/{contact.pk}/"
    assert editor.post(url, _contact_form(contact, is_subscribed=False)).status_code == 302
    contact.refresh_from_db()
    assert not contact.is_subscribed and contact.unsubscribed_at is not None
    assert list(contact.consents.values_list("granted", "source")) == [(False, "admin (editor)")]

    assert editor.post(url, _contact_form(contact, is_subscribed="on",
                                                 opted_out_of=[sequence.pk])).status_code == 302
    contact.refresh_from_db()
    assert contact.is_subscribed and contact.unsubscribed_at is None
    assert list(contact.consents.order_by("pk").values_list("granted", "source")) == [
        (False, "admin (editor)"), (True, "admin (editor)")]
    assert list(contact.opted_out_of.all()) == [sequence]


def test_point_admin_form_cannot_subscribe_a_suppressed_address(editor, clock):
    from drip_plugin.consent.suppression import suppress

    contact = track("signed_up", email="bounced@example.com").contact
    suppress("bounced@example.com", "hard bounce")
    contact.refresh_from_db()
    response = editor.post(f"/admin/drip_contacts/edit/{contact.pk}/", _contact_form(contact, is_subscribed="on"))
    assert response.status_code == 200 and "cannot be subscribed again" in response.content.decode()
    contact.refresh_from_db()
    assert not contact.is_subscribed and not contact.consents.exists()
