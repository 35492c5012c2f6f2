"""Issue 20: segments you can see — how many current contacts a sequence's
trigger and flow filters match, counted in one query while they are edited."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.test.utils.form_data import nested_form_data, streamfield

from drip_plugin import identify
from drip_plugin.engine.segments import count_matching
from drip_plugin.models import Contact, Sequence

from tests.factories import activity, condition, stream

URL = "/admin/drip/segment-count/"


def _contacts(paris: int = 3, lyon: int = 2) -> None:
    for number in range(paris):
        identify(f"paris{number}@example.com", attributes={"city": "Paris"})
    for number in range(lyon):
        identify(f"lyon{number}@example.com", attributes={"city": "Lyon"})
    identify("nowhere@example.com")
    Contact.objects.filter(email="paris0@example.com").update(is_subscribed=False)


def _form(field: str, blocks: list) -> dict:
    return {**nested_form_data({field: streamfield(blocks)}), "field": field}


def test_segment_count_of_contact_conditions_in_one_query(db, django_assert_num_queries):
    _contacts()
    conditions = stream(Sequence, "flow_filters", [condition("contact.city", "equals", "paris"),
                                                   activity("order_completed", happened="has_not")])
    with django_assert_num_queries(1):
        count = count_matching(conditions)
    assert (count.matching, count.subscribed, count.total) == (3, 2, 6)
    assert count.depends_on_event == ["has_not order_completed"]


def test_segment_count_endpoint_counts_what_the_form_holds_with_constant_queries(editor):
    _contacts()
    data = _form("trigger_filters", [("field", {"field": "contact.city", "operator": "in", "value": "Paris,Lyon"}),
                                     ("field", {"field": "event.total", "operator": "gt", "value": "50"})])
    with CaptureQueriesContext(connection) as few:
        answer = editor.post(URL, data).json()
    assert answer == {"matching": 5, "subscribed": 4, "total": 6, "depends_on_event": ["event.total gt 50"],
                      "text": "5 of 6 contacts match the contact conditions (4 subscribed). "
                              "Depends on the event: event.total gt 50."}
    _contacts(paris=30, lyon=20)  # (the same addresses updated, and more)
    with CaptureQueriesContext(connection) as many:
        answer = editor.post(URL, data).json()
    assert (answer["matching"], answer["total"]) == (50, 51)
    assert len(many) == len(few), "one counting query, whatever the number of contacts"


def test_segment_count_endpoint_any_of_with_an_event_condition_depends_on_the_event(editor):
    _contacts()
    data = _form("flow_filters", [("any_of", {"conditions": streamfield([
        ("field", {"field": "contact.city", "operator": "equals", "value": "Lyon"}),
        ("field", {"field": "event.cart.currency", "operator": "equals", "value": "EUR"})])})])
    answer = editor.post(URL, data).json()
    assert answer["matching"] == 6 and answer["depends_on_event"] == [
        "contact.city equals Lyon or event.cart.currency equals EUR"]


def test_segment_count_endpoint_incomplete_conditions_and_bad_field_get_a_clear_answer(editor):
    incomplete = _form("flow_filters", [("field", {"field": "", "operator": "equals", "value": "x"})])
    response = editor.post(URL, incomplete)
    assert response.status_code == 400 and "Complete the conditions" in response.json()["error"]
    response = editor.post(URL, {**incomplete, "field": "steps"})
    assert response.status_code == 400 and "trigger_filters, flow_filters" in response.json()["error"]


def test_segment_count_endpoint_needs_sequence_permissions(db, client):
    user = get_user_model().objects.create_user("viewer", "v@shop.test", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.post(URL, _form("flow_filters", [])).status_code in (302, 403)
