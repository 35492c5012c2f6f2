"""Browser notifications turned off from the preference centre (the page every email links to)."""
from __future__ import annotations

import pytest
from django.core import signing

from drip_plugin.channels.push.models import PushSubscription
from drip_plugin.channels.push.subscriptions import parse_subscription, subscribe
from drip_plugin.links.signed import UNSUBSCRIBE_SALT
from drip_plugin.models import Contact

pytestmark = pytest.mark.django_db


def test_preference_centre_turns_push_off_in_every_browser(push_service, client):
    contact = Contact.objects.create(email="ada@example.com")
    other = Contact.objects.create(email="bob@example.com")
    for owner in (contact, contact, other):
        subscribe(parse_subscription(push_service.new_browser().subscription_json()), contact=owner, source="test")
    page = f"/drip/unsubscribe/{signing.dumps({'c': contact.pk, 'm': None}, salt=UNSUBSCRIBE_SALT)}/"

    shown = client.get(page).content.decode()
    assert "Notifications are on in 2 browsers." in shown and "Turn off browser notifications" in shown

    done = client.post(page, {"action": "push_off"}).content.decode()

    assert "Browser notifications are off" in done and "Turn off browser notifications" not in done
    assert list(PushSubscription.objects.values_list("contact", flat=True)) == [other.pk]
    contact.refresh_from_db()
    assert contact.is_subscribed  # emails go on: only the push channel was turned off


def test_a_contacts_browsers_are_in_their_export_and_go_with_their_erasure(push_service):
    from drip_plugin.consent.gdpr import erase_contact, export_contact

    contact = Contact.objects.create(email="ada@example.com")
    browser = push_service.new_browser()
    subscribe(parse_subscription(browser.subscription_json()), contact=contact, source="/cart/",
              user_agent="Firefox", text_shown="Notify me")
    (exported,) = export_contact(contact)["push_subscriptions"]
    assert (exported["endpoint"], exported["user_agent"], exported["consent_text"]) == (browser.endpoint, "Firefox",
                                                                                        "Notify me")
    erase_contact(contact)
    assert not PushSubscription.objects.exists()
