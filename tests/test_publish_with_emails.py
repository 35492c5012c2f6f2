"""Issue 17, "Publishing a sequence whose emails (or a variant, or a
translation) are drafts asks the editor: publish them too, or cancel —
never live-but-silent" (through the admin's publish action)."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.models import Locale

from drip_plugin.models import Email, Sequence, Step, StepVariant

from .ingest.test_event_names import sequence_form
from .rendering.test_validation import GOOD
from .test_drafts_with_problems import TYPO

PUBLISH = {"action-publish": "action-publish"}


@pytest.fixture
def editor(db, client):
    client.force_login(get_user_model().objects.create_superuser("editor", "editor@shop.test", "pw"))
    return client


def draft_sequence(email: Email, variant_email: Email | None = None) -> Sequence:
    sequence = Sequence.objects.create(name="Welcome", trigger_event="signed_up", live=False)
    step = Step.objects.create(sequence=sequence, sort_order=0, email=email)
    if variant_email:
        StepVariant.objects.create(step=step, label="B", email=variant_email)
    sequence.save_revision()
    return sequence


def test_publishing_a_sequence_with_a_draft_email_asks_first_and_publishes_nothing(editor):
    email = Email.objects.create(name="Welcome #1", subject="Hi", mjml=GOOD, live=False)
    sequence = draft_sequence(email)
    response = editor.post(reverse("wagtailsnippets_drip_plugin_sequence:edit", args=[sequence.pk]),
                           sequence_form(email, **PUBLISH))
    confirm = reverse("drip_plugin_sequence_publish_with_emails", args=[sequence.pk])
    assert response.status_code == 302 and response.url == confirm
    sequence.refresh_from_db()
    email.refresh_from_db()
    assert not sequence.live and not email.live, "nothing went live silently"
    page = editor.get(confirm).content.decode()
    assert "Welcome #1" in page and "Publish the sequence and these emails" in page and "Cancel" in page


def test_confirming_publishes_the_emails_with_the_sequence(editor):
    email = Email.objects.create(name="Welcome #1", subject="Hi", mjml=GOOD, live=False)
    sequence = draft_sequence(email)
    editor.post(reverse("wagtailsnippets_drip_plugin_sequence:edit", args=[sequence.pk]),
                sequence_form(email, **PUBLISH))
    response = editor.post(reverse("drip_plugin_sequence_publish_with_emails", args=[sequence.pk]))
    assert response.status_code == 302
    sequence.refresh_from_db()
    email.refresh_from_db()
    assert sequence.live and email.live


def test_a_draft_variant_and_a_draft_translation_are_asked_about_too(editor):
    email = Email.objects.create(name="Welcome #1", subject="Hi", mjml=GOOD, live=True)
    variant = Email.objects.create(name="Welcome #1 B", subject="Hey", mjml=GOOD, live=False)
    french = email.copy_for_translation(Locale.objects.create(language_code="fr"))
    french.save()
    sequence = draft_sequence(email, variant_email=variant)
    assert {e.pk for e in sequence.draft_emails()} == {variant.pk, french.pk}
    form = sequence_form(email, **PUBLISH)
    form.update({"steps-0-variants-TOTAL_FORMS": "1", "steps-0-variants-0-label": "B", "steps-0-variants-0-email":
                 str(variant.pk), "steps-0-variants-0-weight": "50", "steps-0-variants-0-ORDER": "1",
                 "steps-0-variants-0-DELETE": "", "steps-0-variants-0-id": ""})
    response = editor.post(reverse("wagtailsnippets_drip_plugin_sequence:edit", args=[sequence.pk]), form)
    assert response.status_code == 302 and "publish-with-emails" in response.url
    editor.post(response.url)
    assert Email.objects.filter(live=False).count() == 0


def test_a_draft_email_with_problems_blocks_the_publication(editor):
    email = Email.objects.create(name="Typo", subject="Hi", mjml=TYPO, live=False)
    sequence = draft_sequence(email)
    url = reverse("drip_plugin_sequence_publish_with_emails", args=[sequence.pk])
    response = editor.post(url)
    assert response.status_code == 200
    assert "is not an MJML component" in response.content.decode()
    sequence.refresh_from_db()
    email.refresh_from_db()
    assert not sequence.live and not email.live


def test_publishing_with_every_email_live_needs_no_question(editor):
    email = Email.objects.create(name="Welcome #1", subject="Hi", mjml=GOOD, live=True)
    sequence = draft_sequence(email)
    response = editor.post(reverse("wagtailsnippets_drip_plugin_sequence:edit", args=[sequence.pk]),
                           sequence_form(email, **PUBLISH))
    assert response.status_code == 302 and "publish-with-emails" not in response.url
    sequence.refresh_from_db()
    assert sequence.live
