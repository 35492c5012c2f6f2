"""Issue 20: a contact's attributes edited in the admin as typed rows; the
admin's subscription changes recorded as consent, naming the staff user and why."""
from __future__ import annotations

from drip_plugin import identify
from drip_plugin.models import Contact

from .test_contacts import _contact_form


def _rows(*rows: tuple[str, str, str]) -> dict:
    return {"attributes-name": [r[0] for r in rows], "attributes-type": [r[1] for r in rows],
            "attributes-value": [r[2] for r in rows]}


def test_admin_attributes_shown_as_typed_rows_and_round_trip_into_the_json_field(editor):
    contact = identify("ada@example.com", attributes={"city": "Paris", "orders": 3, "since": "2026-01-02",
                                                      "vip": True, "tags": ["a", "b"]})
    url = f"/admin/drip_contacts/edit/{contact.pk}/"
    page = editor.get(url).content.decode()
    for name, kind, shown in [("city", "text", "Paris"), ("orders", "number", "3"), ("since", "date", "2026-01-02"),
                              ("vip", "yes_no", "yes")]:
        assert f'value="{name}"' in page and f'value="{shown}"' in page, name
        assert f'<option value="{kind}" selected>' in page, kind
    response = editor.post(url, {**_contact_form(contact), **_rows(
        ("city", "text", "Lyon"), ("", "number", "3"), ("since", "date", "2026-02-03"), ("vip", "yes_no", "no"),
        ("tags", "json", '["a", "b"]'), ("score", "number", "4.5"), ("", "text", ""))})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.attributes == {"city": "Lyon", "since": "2026-02-03", "vip": False, "tags": ["a", "b"],
                                  "score": 4.5}


def test_admin_attributes_bad_rows_are_refused_with_the_row_named_and_nothing_saved(editor):
    contact = identify("ada@example.com", attributes={"orders": 3})
    url = f"/admin/drip_contacts/edit/{contact.pk}/"
    for rows, message in [((("orders", "number", "many"),), "orders: &#x27;many&#x27; is not a number"),
                          ((("since", "date", "yesterday"),), "since: &#x27;yesterday&#x27; is not a date"),
                          ((("Home Town", "text", "x"),), "must be snake_case"),
                          ((("email", "text", "x"),), "is a contact field")]:
        response = editor.post(url, {**_contact_form(contact), **_rows(*rows)})
        assert response.status_code == 200 and message in response.content.decode(), message
    contact.refresh_from_db()
    assert contact.attributes == {"orders": 3}


def test_admin_phone_is_stored_e164_and_a_bad_one_refused(editor):
    contact = identify("ada@example.com")
    url = f"/admin/drip_contacts/edit/{contact.pk}/"
    assert editor.post(url, _contact_form(contact, phone="12")).status_code == 200
    assert editor.post(url, _contact_form(contact, phone="+33 6 12 34 56 78")).status_code == 302
    assert Contact.objects.get().phone == "+33612345678"


def test_admin_unsubscribe_writes_a_consent_record_naming_the_staff_user_and_the_reason(editor, clock):
    contact = identify("ada@example.com")
    response = editor.post(f"/admin/drip_contacts/edit/{contact.pk}/",
                           _contact_form(contact, is_subscribed=False, reason="asked by phone"))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.is_subscribed is False
    consent = contact.consents.get()
    assert (consent.granted, consent.source, consent.reason) == (False, "admin (editor)", "asked by phone")
