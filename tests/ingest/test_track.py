"""Issue 3 acceptance: track() bad input raises a clear error and writes nothing."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from drip_plugin import InvalidEvent, track
from drip_plugin.models import Contact, Enrollment, Event


@pytest.mark.parametrize("email", ["not-an-email", "a@", "", "   "])
def test_bad_input_invalid_email_raises_and_writes_nothing(db, make_sequence, email):
    make_sequence()
    with pytest.raises(InvalidEvent, match="email"):
        track("signed_up", email=email)
    assert not Contact.objects.exists() and not Event.objects.exists() and not Enrollment.objects.exists()


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"email": 12345}, "email must be a string"),
    ({"email": "a" * 250 + "@example.com"}, "at most 254 characters"),
    ({"occurred_at": "2026-03-02T09:00:00Z"}, "occurred_at must be a datetime"),
    ({"idempotency_key": 42}, "idempotency_key must be a string"),
    ({"properties": {"price": float("nan")}}, "properties must be JSON data"),
    ({"properties": {"note": object()}}, "properties must be JSON data"),
    ({"properties": {"note": "a\x00b"}}, "NUL characters"),
])
def test_bad_input_of_the_wrong_type_raises_invalid_event_and_writes_nothing(db, make_sequence, kwargs, error):
    make_sequence()
    with pytest.raises(InvalidEvent, match=error):
        track("signed_up", **{"email": "a@example.com", **kwargs})
    assert not Contact.objects.exists() and not Event.objects.exists() and not Enrollment.objects.exists()


def test_decimal_and_date_properties_from_a_django_host_are_stored_as_strings(db):
    import datetime as dt
    from decimal import Decimal

    event = track("product_viewed", email="a@example.com", properties={
        "product_id": 42, "price": Decimal("9.90"), "seen": dt.date(2026, 3, 2)})
    event.refresh_from_db()
    assert event.properties == {"product_id": 42, "price": "9.90", "seen": "2026-03-02"}


def test_two_first_events_of_a_new_contact_at_once_both_recorded(db, monkeypatch):
    # Another worker creates the same new contact between our look-up and our
    # insert: our INSERT … ON CONFLICT DO NOTHING skips the address and reads
    # the other worker's row.
    from drip_plugin.ingest import contacts

    insert_new = contacts.insert_new

    def racing_insert(objs, **kwargs):
        Contact.objects.create(email=objs[0].email)  # the other worker's row
        return insert_new(objs, **kwargs)

    monkeypatch.setattr(contacts, "insert_new", racing_insert)
    event = track("viewed", email="new@example.com", idempotency_key="k-2")
    assert Contact.objects.get().email == "new@example.com" and Event.objects.get() == event
    assert event.contact == Contact.objects.get()


def test_bad_input_unknown_contact_raises_value_error(db):
    with pytest.raises(ValueError, match="needs an email or a user"):
        track("signed_up")
    user = get_user_model().objects.create(username="noemail")
    Event.objects.all().delete()
    with pytest.raises(InvalidEvent, match="no email address"):
        track("signed_up", user=user)
    assert not Event.objects.exists()


@pytest.mark.parametrize("name", ["Signed Up", "", "1st", "x" * 101, None])
def test_bad_event_name_is_rejected(db, name):
    with pytest.raises(InvalidEvent, match="event name"):
        track(name, email="a@example.com")


def test_same_idempotency_key_records_one_event_and_one_enrollment(db, make_sequence):
    make_sequence()
    first = track("signed_up", email="a@example.com", idempotency_key="k1")
    again = track("signed_up", email="a@example.com", idempotency_key="k1")
    assert first.pk == again.pk
    assert Event.objects.count() == 1 and Enrollment.objects.count() == 1


def test_email_is_normalised_to_one_contact(db):
    track("viewed", email="Ann@Example.COM ")
    track("viewed", email="ann@example.com")
    assert list(Contact.objects.values_list("email", flat=True)) == ["ann@example.com"]


def test_event_tracked_signal_fires_inside_the_transaction(db):
    from drip_plugin.signals import event_tracked

    seen = []

    def receiver(sender, event, **kwargs):
        seen.append(event.name)
        raise RuntimeError("receiver failed")

    event_tracked.connect(receiver)
    try:
        with pytest.raises(RuntimeError):
            track("viewed", email="x@example.com")
    finally:
        event_tracked.disconnect(receiver)
    assert seen == ["viewed"]
    assert not Event.objects.exists() and not Contact.objects.exists()


def test_a_guests_anonymous_user_with_an_email_tracks_the_email(db):
    from django.contrib.auth.models import AnonymousUser

    event = track("checkout_updated", email="guest@example.com", user=AnonymousUser(),
                  properties={"checkout_id": "c1"})
    assert event.contact.email == "guest@example.com" and event.contact.user is None
    with pytest.raises(InvalidEvent, match="needs an email or a user"):
        track("checkout_updated", user=AnonymousUser(), properties={"checkout_id": "c2"})


def test_a_backslash_u0000_in_text_is_not_a_nul(db):
    event = track("viewed", email="a@example.com", properties={"path": "C:\\u0000dir"})
    assert event.properties == {"path": "C:\\u0000dir"}
