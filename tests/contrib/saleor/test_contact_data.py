"""Issue 20: contact data from Saleor (names, language, phone, metadata as
attributes), and a flow filter on contact.city that sees a city from
identify(), from a Saleor webhook's metadata and from an import alike."""
from __future__ import annotations

from django.core import mail

from drip_plugin import identify, track
from drip_plugin.contrib.saleor.manifest import subscription_query
from drip_plugin.contrib.saleor.tasks import process_saleor_delivery
from drip_plugin.ingest.contact_import import import_contacts, read_rows
from drip_plugin.models import Contact, Enrollment
from drip_plugin.scheduling import tick
from tests.factories import build_sequence, condition

from .fake_saleor import checkout_payload


def customer_payload(email: str, metadata: dict[str, str], **user) -> dict:
    return {"__typename": "CustomerCreated", "issuedAt": "2026-03-02T09:00:00+00:00",
            "user": {"id": f"VXNlcjo{len(email)}", "email": email, "firstName": "", "lastName": "",
                     "dateJoined": "2026-03-02T08:59:00+00:00", "languageCode": "EN",
                     "metadata": [{"key": key, "value": value} for key, value in metadata.items()], **user}}


def _deliver(saleor, client, event: str, payload: dict) -> None:
    response = saleor.deliver(client, event, payload)
    assert response.status_code == 200
    process_saleor_delivery(response.json()["accepted"])  # what the queued task does


def test_saleor_subscriptions_ask_for_what_the_contact_gets():
    for event in ("CHECKOUT_UPDATED", "ORDER_CREATED", "CUSTOMER_CREATED"):
        query = subscription_query(event)
        assert "metadata { key value }" in query and "languageCode" in query, event
    assert "billingAddress { firstName lastName phone }" in subscription_query("CHECKOUT_UPDATED")


def test_saleor_webhook_fills_names_locale_phone_and_metadata_attributes(installed_saleor, client, clock):
    payload = checkout_payload("Q2hlY2tvdXQ6MQ==", "eve@example.com")
    payload["checkout"].update(
        languageCode="FR_CA",
        user={"email": "eve@example.com", "firstName": "Eve", "lastName": "Moreau", "languageCode": "FR_CA",
              "metadata": [{"key": "City", "value": "Montréal"}, {"key": "loyalty-tier", "value": "gold"},
                           {"key": "email", "value": "ignored@example.com"}]},
        billingAddress={"firstName": "Eve", "lastName": "Moreau", "phone": "+15145550123"})
    _deliver(installed_saleor, client, "CHECKOUT_UPDATED", payload)
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.locale, contact.phone) == (
        "Eve", "Moreau", "fr_CA", "+15145550123")
    assert contact.attributes == {"city": "Montréal", "loyalty_tier": "gold"}


def test_flow_filter_on_city_from_identify_saleor_and_import_enrolls_only_those_contacts(
        installed_saleor, client, clock):
    build_sequence("Lyon news", "signed_up", steps=[(0, "days", "Bonjour Lyon")],
                   flow_filters=[condition("contact.city", "equals", "lyon")])
    identify("id-lyon@example.com", attributes={"city": "Lyon"})
    identify("id-paris@example.com", attributes={"city": "Paris"})
    track("signed_up", email="id-lyon@example.com")
    track("signed_up", email="id-paris@example.com")

    _deliver(installed_saleor, client, "CUSTOMER_CREATED", customer_payload("saleor-lyon@example.com", {"city": "Lyon"}))
    _deliver(installed_saleor, client, "CUSTOMER_CREATED",
             customer_payload("saleor-paris@example.com", {"city": "Paris"}))

    csv = (b"email,consent_source,city\n"
           b"import-lyon@example.com,shop signup,Lyon\n"
           b"import-paris@example.com,shop signup,Paris\n")
    assert import_contacts(read_rows(csv, "c.csv"), dry_run=False).created == 2
    track("signed_up", email="import-lyon@example.com")
    track("signed_up", email="import-paris@example.com")
    track("signed_up", email="nowhere@example.com")
    tick()

    assert sorted(m.to[0] for m in mail.outbox) == [
        "id-lyon@example.com", "import-lyon@example.com", "saleor-lyon@example.com"]
    exited = Enrollment.objects.filter(state="exited")
    assert sorted(exited.values_list("contact__email", flat=True)) == [
        "id-paris@example.com", "import-paris@example.com", "nowhere@example.com", "saleor-paris@example.com"]
    assert {e.exit_reason for e in exited} == {"flow filter no longer matches: contact.city equals lyon"}
