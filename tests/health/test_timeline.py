"""Issue 19: the contact timeline on the contact's admin page."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from drip_plugin import track
from drip_plugin.analytics.timeline import contact_timeline
from drip_plugin.consent.suppression import unsubscribe
from drip_plugin.models import Contact, Event, MessageEvent
from drip_plugin.scheduling import tick
from tests.factories import build_sequence


def contact_with_history(now, events: int = 0) -> Contact:
    build_sequence(steps=((0, "days", "Hello"),))
    track("signed_up", email="t@example.com")
    tick()
    contact = Contact.objects.get(email="t@example.com")
    message = contact.enrollments.get().messages.get()
    MessageEvent.objects.bulk_create([
        MessageEvent(message=message, event_type="opened", occurred_at=now),
        MessageEvent(message=message, event_type="opened", occurred_at=now),
        MessageEvent(message=message, event_type="clicked", occurred_at=now)])
    Event.objects.bulk_create([
        Event(contact=contact, name="viewed_product", occurred_at=now - dt.timedelta(minutes=n + 1),
              idempotency_key=f"bulk-{n}") for n in range(events)])
    return contact


def test_point4_timeline_lists_every_kind_newest_first_and_filters(db, clock):
    now = timezone.now()
    contact = contact_with_history(now, events=3)
    clock.shift(dt.timedelta(hours=1))
    unsubscribe(contact, "test")  # a consent withdrawal, and the journey exits
    timeline = contact_timeline(contact)
    kinds = {entry.kind for entry in timeline.entries}
    assert {"event", "journey", "message", "consent"} <= kinds
    assert [e.at for e in timeline.entries] == sorted((e.at for e in timeline.entries), reverse=True)
    message = next(e for e in timeline.entries if e.kind == "message")
    assert (message.detail, message.opens, message.clicks) == ("sent", 2, 1)
    assert "/drip/view/" in message.web_version_url
    only_messages = contact_timeline(contact, kinds=("message",))
    assert only_messages.total == 1 and [e.kind for e in only_messages.entries] == ["message"]


def test_point4_timeline_of_10000_events_is_paginated_in_bounded_queries(
        editor, clock, django_assert_max_num_queries):
    contact = contact_with_history(timezone.now(), events=10_000)
    with django_assert_max_num_queries(5):
        page = contact_timeline(contact, page=3)
    others = contact_timeline(contact, kinds=("journey", "message", "consent"))
    assert sorted(e.title for e in others.entries) == ["Entered Welcome", "Exited Welcome", "Hello"]
    assert page.total == 10_000 + 1 + 3  # the bulk events, the sign-up event, the three above
    assert len(page.entries) == 50 and page.pages == 201
    url = f"/admin/drip_contacts/inspect/{contact.pk}/"
    with django_assert_max_num_queries(40):
        response = editor.get(url, {"page": 200})
    html = response.content.decode()
    assert response.status_code == 200 and "Page 200 of 201" in html and "viewed_product" in html
    filtered = editor.get(url, {"kind": "message"}).content.decode()
    assert "Page 1 of 1 (1 entries)" in filtered and "web version" in filtered
