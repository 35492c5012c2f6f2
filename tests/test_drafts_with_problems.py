"""Issue 17, "Publishing refuses an email with an error; a draft may be saved
with a visible warning"; the problem is shown on the block it comes from."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from drip_plugin.models import Email, Sequence

from .ingest.test_event_names import sequence_form
from .rendering.test_validation import GOOD

TYPO = GOOD.replace("<mj-text>Hi {{ contact.first_name }}</mj-text>", "<mj-buton>Hi</mj-buton>")
TYPO_MESSAGE = "Line 4: <mj-buton> is not an MJML component — did you mean <mj-button>?"


def form(**fields) -> dict:
    return {"name": "Typo", "subject": "Hi", "preheader": "", "layout": "", "body-count": "0", "mjml": GOOD, **fields}


@pytest.fixture
def editor(db, client):
    client.force_login(get_user_model().objects.create_superuser("editor", "editor@shop.test", "pw"))
    return client


def test_a_draft_with_a_problem_is_saved_with_a_visible_warning(editor):
    email = Email.objects.create(name="Typo", subject="Hi", mjml=GOOD, live=True)
    response = editor.post(reverse("wagtailsnippets_drip_plugin_email:edit", args=[email.pk]), form(mjml=TYPO))
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.has_unpublished_changes and email.latest_revision.as_object().mjml == TYPO
    assert email.mjml == GOOD, "the live version is untouched"
    warnings = [str(m) for m in get_messages(response.wsgi_request)
                if m.level_tag == "warning" and "email check" not in str(m).lower()]  # (checks: tests/admin/test_email_checks_shown.py)
    # HTML-escaped (it quotes the MJML; Wagtail 7.0 shows message text as HTML)
    assert warnings == [escape("Saved as a draft with a problem; it cannot be published until it is fixed: "
                               + TYPO_MESSAGE)]


def test_publishing_an_email_with_a_problem_is_refused(editor):
    email = Email.objects.create(name="Typo", subject="Hi", mjml=GOOD, live=True)
    response = editor.post(reverse("wagtailsnippets_drip_plugin_email:edit", args=[email.pk]),
                           form(mjml=TYPO, **{"action-publish": "action-publish"}))
    assert response.status_code == 200
    assert response.context["form"].errors["mjml"] == [TYPO_MESSAGE]
    email.refresh_from_db()
    assert email.mjml == GOOD and not email.has_unpublished_changes


def test_fixed_it_publishes(editor):
    email = Email.objects.create(name="Typo", subject="Hi", mjml=TYPO, live=False)
    response = editor.post(reverse("wagtailsnippets_drip_plugin_email:edit", args=[email.pk]),
                           form(**{"action-publish": "action-publish"}))
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.live and email.mjml == GOOD


def test_a_problem_in_a_block_is_attached_to_that_block(db):
    email = Email(name="Blocks", subject="Hi", body=[
        ("heading", {"text": "Hello", "size": "24px"}),
        ("raw_mjml", "<mj-section><mj-column>\n<mj-text colour=\"red\">x</mj-text>\n</mj-column></mj-section>"),
    ])
    with pytest.raises(ValidationError) as raised:
        email.full_clean()
    [error] = raised.value.error_dict["body"]
    assert list(error.block_errors) == [1], "block 2 (index 1) is highlighted in the editor"
    assert error.block_errors[1].messages == [
        "Block 2 (Raw MJML), line 2: <mj-text> has no attribute “colour” — did you mean “color”?"]


def test_saving_a_sequence_with_an_unknown_event_warns(editor):
    email = Email.objects.create(name="Hi", subject="Hi", mjml=GOOD, live=True)
    response = editor.post(reverse("wagtailsnippets_drip_plugin_sequence:add"),
                           sequence_form(email, trigger_event="newsletter_joined"))
    assert response.status_code == 302 and Sequence.objects.exists()
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert warnings == ["“newsletter_joined” is not in the event catalogue and has never been received: "
                        "check its spelling."]
