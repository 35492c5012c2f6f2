"""identify(): contacts created or updated with names, zone, locale, phone and attributes."""
from __future__ import annotations

import logging

import pytest

import drip_plugin
from drip_plugin import HostEvent, InvalidEvent
from drip_plugin.integrations.signals import track_host_event
from drip_plugin.models import Contact, Event


def test_identify_round_trip_creates_then_updates_the_contact(db):
    contact = drip_plugin.identify(" Ada@Example.com ", first_name="Ada", last_name="Lovelace",
                                   time_zone="Europe/London", locale="en_GB", phone="+44 20 7946 0958",
                                   attributes={"city": "London", "married": True, "orders": 3})
    stored = Contact.objects.get()
    assert stored.pk == contact.pk
    assert (stored.email, stored.first_name, stored.last_name, stored.time_zone, stored.locale, stored.phone) == (
        "ada@example.com", "Ada", "Lovelace", "Europe/London", "en_GB", "+442079460958")
    assert stored.attributes == {"city": "London", "married": True, "orders": 3}

    again = drip_plugin.identify("ada@example.com", first_name="Augusta")
    assert again.pk == contact.pk and Contact.objects.count() == 1
    stored.refresh_from_db()
    assert (stored.first_name, stored.last_name, stored.phone) == ("Augusta", "Lovelace", "+442079460958")


def test_identify_merging_keeps_other_attributes_and_none_removes_one(db):
    drip_plugin.identify("ada@example.com", attributes={"city": "London", "plan": "gold", "orders": 3})
    drip_plugin.identify("ada@example.com", attributes={"city": "Paris", "plan": None, "since": "2026-01-02"})
    assert Contact.objects.get().attributes == {"city": "Paris", "orders": 3, "since": "2026-01-02"}


def test_identify_empty_string_clears_a_field(db):
    drip_plugin.identify("ada@example.com", phone="+33612345678", locale="fr")
    drip_plugin.identify("ada@example.com", phone="")
    assert (Contact.objects.get().phone, Contact.objects.get().locale) == ("", "fr")


@pytest.mark.parametrize("kwargs, message", [
    ({"email": "not-an-email"}, "not a valid email address"),
    ({"attributes": {"when": object()}}, "attributes must be JSON data"),
    ({"attributes": {"ratio": float("nan")}}, "attributes must be JSON data"),
    ({"attributes": {"City": "Paris"}}, "attribute name 'City' must be snake_case"),
    ({"attributes": {"home-town": "Paris"}}, "must be snake_case"),
    ({"attributes": {"email": "x@example.com"}}, "'email' is a contact field"),
    ({"attributes": ["city"]}, "attributes must be a dict"),
    ({"time_zone": "Mars/Olympus"}, "not an IANA time zone"),
    ({"locale": "french please"}, "must be a language code"),
    ({"phone": "0612345678"}, r"starting with \+ and the country code"),
    ({"phone": "+33 1"}, "is not a valid number"),
    ({"first_name": 42}, "first_name must be a string"),
])
def test_identify_bad_input_is_refused_clearly_and_nothing_is_written(db, kwargs, message):
    drip_plugin.identify("ada@example.com", attributes={"city": "London"})
    before = list(Contact.objects.values())
    arguments = {"email": "ada@example.com", **kwargs}
    with pytest.raises(InvalidEvent, match=message):
        drip_plugin.identify(arguments.pop("email"), **arguments)
    assert list(Contact.objects.values()) == before


def test_host_event_carries_contact_data_applied_before_its_event(db):
    track_host_event(HostEvent("signed_up", email="bo@example.com", first_name="Bo", locale="sv",
                               attributes={"city": "Malmö"}))
    contact = Contact.objects.get()
    assert (contact.first_name, contact.locale, contact.attributes) == ("Bo", "sv", {"city": "Malmö"})
    assert Event.objects.get().contact == contact


def test_host_event_with_bad_contact_data_is_still_tracked_and_the_data_logged(db, caplog):
    with caplog.at_level(logging.WARNING, logger="drip_plugin.integrations"):
        track_host_event(HostEvent("signed_up", email="bo@example.com", phone="12"))
    assert Event.objects.get().name == "signed_up"
    assert Contact.objects.get().phone == ""
    assert "is not used" in caplog.text and "phone '12'" in caplog.text
