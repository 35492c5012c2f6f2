"""Issue 18, email checks shown where editors decide: as warnings after an
email is saved or published (never blocking), and on the "publish with its
emails" confirmation page."""
from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from drip_plugin.models import Email

from ..factories import WELCOME_MJML, logged_in_editor
from ..ingest.test_event_names import sequence_form
from ..test_publish_with_emails import PUBLISH, draft_sequence

pytestmark = pytest.mark.django_db
CLICK_HERE = WELCOME_MJML.replace(">Start shopping<", ">Click here<")
LONG_SUBJECT = "Welcome to the shop, where autumn has just arrived in store"


def form(**fields) -> dict:
    return {"name": "Welcome", "subject": "Hi", "preheader": "", "layout": "", "body-count": "0",
            "mjml": WELCOME_MJML, **fields}


def warnings_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


def test_checks_are_shown_as_warnings_after_saving_an_email(client):
    editor = logged_in_editor(client)
    email = Email.objects.create(name="Welcome", subject="Hi", mjml=WELCOME_MJML, live=False)
    response = editor.post(reverse("wagtailsnippets_drip_plugin_email:edit", args=[email.pk]),
                           form(mjml=CLICK_HERE, subject=LONG_SUBJECT))
    assert response.status_code == 302
    [shown] = warnings_of(response)
    assert shown.startswith("2 email checks (warnings: saving and publishing go on): ")
    assert "link text “click here”" in shown and "the subject is 59 characters" in shown


def test_checks_never_block_publishing_an_email(client):
    editor = logged_in_editor(client)
    email = Email.objects.create(name="Welcome", subject="Hi", mjml=WELCOME_MJML, live=False)
    response = editor.post(reverse("wagtailsnippets_drip_plugin_email:edit", args=[email.pk]),
                           form(mjml=CLICK_HERE, **PUBLISH))
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.live and email.mjml == CLICK_HERE
    assert any("link text “click here”" in shown for shown in warnings_of(response))


def test_a_clean_email_saves_without_check_warnings(client):
    editor = logged_in_editor(client)
    email = Email.objects.create(name="Welcome", subject="Hi", mjml=WELCOME_MJML, live=False)
    response = editor.post(reverse("wagtailsnippets_drip_plugin_email:edit", args=[email.pk]), form())
    assert response.status_code == 302 and warnings_of(response) == []


def test_checks_are_shown_before_publishing_with_emails_and_do_not_block(client):
    editor = logged_in_editor(client)
    email = Email.objects.create(name="Welcome #1", subject="Hi", mjml=CLICK_HERE, live=False)
    sequence = draft_sequence(email)
    editor.post(reverse("wagtailsnippets_drip_plugin_sequence:edit", args=[sequence.pk]),
                sequence_form(email, **PUBLISH))
    url = reverse("drip_plugin_sequence_publish_with_emails", args=[sequence.pk])
    page = editor.get(url)
    assert "link text “click here”" in page.content.decode() and not page.context["blocked"]
    assert editor.post(url).status_code == 302
    email.refresh_from_db()
    assert email.live
