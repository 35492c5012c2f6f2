"""Issue 19, operator health: the failed-messages view and its bulk retry."""
from __future__ import annotations

from collections import Counter

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import timezone

from drip_plugin.models import Message
from drip_plugin.models.messages import MessageStatus
from drip_plugin.scheduling import tick

from .seed import seed_health

URL = "/admin/drip/failed/"


def sent_to() -> Counter:
    return Counter(address for email in mail.outbox for address in email.to)


def test_point2_failed_view_shows_reason_contact_sequence_step_and_filters_by_reason(editor, clock):
    seed_health(timezone.now())
    page = editor.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    for address in ("c0@example.com", "c1@example.com", "c2@example.com", "c3@example.com"):
        assert address in html
    assert "c4@example.com" not in html  # queued, not failed
    assert "AnymailAPIError" in html and "SMTPRecipientsRefused" in html and "outcome unknown" in html
    assert "Welcome" in html and "Failed messages" in html

    filtered = editor.get(URL, {"reason": "AnymailAPIError"}).content.decode()
    assert "c0@example.com" in filtered and "c1@example.com" in filtered
    assert "c2@example.com" not in filtered and "c3@example.com" not in filtered


def test_point2_bulk_retry_never_resends_outcome_unknown_unless_confirmed(editor, clock):
    messages = seed_health(timezone.now())
    mail.outbox.clear()
    chosen = [messages["c0"].pk, messages["c3"].pk]  # an ESP 503 and one of unknown outcome

    response = editor.post(URL + "retry/", {"messages": chosen}, follow=True)
    assert "1 message of unknown outcome was not retried" in response.content.decode()
    c0, c3 = Message.objects.get(pk=messages["c0"].pk), Message.objects.get(pk=messages["c3"].pk)
    assert (c0.status, c0.attempts, c0.error) == (MessageStatus.QUEUED, 0, "")
    assert c3.status == MessageStatus.FAILED and c3.handed_at is not None

    tick()
    assert sent_to()["c0@example.com"] == 1
    assert sent_to()["c3@example.com"] == 0, "outcome unknown resent without confirmation"

    editor.post(URL + "retry/", {"messages": [messages["c3"].pk], "confirm_duplicate_risk": "on"})
    assert Message.objects.get(pk=messages["c3"].pk).status == MessageStatus.QUEUED
    tick()
    tick()
    assert sent_to()["c3@example.com"] == 1 and sent_to()["c0@example.com"] == 1


def test_point2_retry_needs_the_sequence_change_permission(client, db, clock):
    messages = seed_health(timezone.now())
    viewer = get_user_model().objects.create_user("viewer", "v@shop.test", "pw")
    viewer.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(viewer)
    refused = client.post(URL + "retry/", {"messages": [messages["c0"].pk]})
    assert (refused.status_code, refused.url) == (302, "/admin/")  # Wagtail's answer to PermissionDenied
    assert Message.objects.get(pk=messages["c0"].pk).status == MessageStatus.FAILED
