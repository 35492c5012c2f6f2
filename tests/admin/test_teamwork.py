"""Issue 18, locking and moderation of sequences and emails, through the
admin views: two editors and a lock; a workflow where an editor submits a
sequence with its draft emails and a moderator approves or rejects it."""
from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from wagtail.models import GroupApprovalTask, Workflow, WorkflowContentType, WorkflowTask

from drip_plugin.models import Email, Sequence, Step
from drip_plugin.moderation import ApprovalRefused

from ..factories import logged_in_as, refused, role_group
from ..ingest.test_event_names import sequence_form
from ..rendering.test_validation import GOOD

pytestmark = pytest.mark.django_db


def edit_url(sequence: Sequence) -> str:
    return reverse("wagtailsnippets_drip_plugin_sequence:edit", args=[sequence.pk])


def draft_sequence_with_draft_email() -> tuple[Sequence, Email]:
    email = Email.objects.create(name="Welcome #1", subject="Hi", mjml=GOOD, live=False)
    email.save_revision()
    sequence = Sequence.objects.create(name="Welcome", trigger_event="signed_up", live=False)
    Step.objects.create(sequence=sequence, sort_order=0, email=email)
    sequence.save_revision()
    return sequence, email


def test_point1_second_editor_sees_the_lock_and_cannot_save_over_the_first(client):
    sequence, email = draft_sequence_with_draft_email()
    first, second = logged_in_as(client, "editor", "first"), logged_in_as(Client(), "editor", "second")
    assert first.post(reverse("wagtailsnippets_drip_plugin_sequence:lock", args=[sequence.pk])).status_code == 302
    sequence.refresh_from_db()
    assert sequence.locked and sequence.locked_by.username == "first"

    page = second.get(edit_url(sequence)).content.decode()
    assert "locked" in page.lower() and "first" in page, "the second editor sees who holds the lock"

    revisions = sequence.revisions.count()
    response = second.post(edit_url(sequence), sequence_form(email, name="Overwritten by second"))
    assert response.status_code == 200 and "could not be saved" in response.content.decode()
    sequence.refresh_from_db()
    assert sequence.revisions.count() == revisions
    assert sequence.get_latest_revision_as_object().name == "Welcome"

    response = first.post(edit_url(sequence), sequence_form(email, name="Saved by first"))
    assert response.status_code == 302, "the lock holder still saves"
    assert Sequence.objects.get(pk=sequence.pk).get_latest_revision_as_object().name == "Saved by first"


@pytest.fixture
def moderation():
    """A one-task workflow (the moderators approve) on sequences and emails."""
    workflow = Workflow.objects.create(name="Drip approval")
    task = GroupApprovalTask.objects.create(name="Moderators approve")
    task.groups.set([role_group("moderator")])
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    for model in (Sequence, Email):
        WorkflowContentType.objects.create(content_type=ContentType.objects.get_for_model(model), workflow=workflow)
    return workflow


def submit(editor, sequence: Sequence, email: Email) -> None:
    response = editor.post(edit_url(sequence), sequence_form(email, **{"action-submit": "action-submit"}))
    assert response.status_code == 302
    sequence.refresh_from_db()
    email.refresh_from_db()
    assert sequence.workflow_in_progress and email.workflow_in_progress, "the email goes with the sequence"
    assert not sequence.live and not email.live


def moderate(moderator, sequence: Sequence, action: str):
    state = sequence.current_workflow_state.current_task_state
    url = reverse("wagtailsnippets_drip_plugin_sequence:workflow_action", args=[sequence.pk, action, state.pk])
    return moderator.post(url, {"comment": ""})


def test_point2_editor_submits_sequence_and_emails_moderator_approves_all_go_live(client, moderation):
    sequence, email = draft_sequence_with_draft_email()
    editor = logged_in_as(client, "editor")
    submit(editor, sequence, email)
    assert refused(moderate(editor, sequence, "approve")), "an editor cannot approve"

    moderator = logged_in_as(Client(), "moderator")
    assert moderate(moderator, sequence, "approve").status_code == 302
    sequence.refresh_from_db()
    email.refresh_from_db()
    assert sequence.live and email.live, "approval publishes the sequence with its emails"
    assert not sequence.workflow_in_progress and not email.workflow_in_progress


def test_point2_rejected_sequence_stays_draft_with_its_emails(client, moderation):
    sequence, email = draft_sequence_with_draft_email()
    submit(logged_in_as(client, "editor"), sequence, email)
    assert moderate(logged_in_as(Client(), "moderator"), sequence, "reject").status_code == 302
    sequence.refresh_from_db()
    email.refresh_from_db()
    assert not sequence.live and not email.live
    assert sequence.current_workflow_state.status == email.current_workflow_state.status == "needs_changes"


def test_direct_publishing_still_asks_about_draft_emails_with_moderation_on(client, moderation):
    sequence, email = draft_sequence_with_draft_email()
    moderator = logged_in_as(client, "moderator")
    response = moderator.post(edit_url(sequence), sequence_form(email, **{"action-publish": "action-publish"}))
    assert response.status_code == 302
    assert response.url == reverse("drip_plugin_sequence_publish_with_emails", args=[sequence.pk])


# Point 2, with an email that has content problems: a draft may keep them,
# and no approval may put it live (publishing refuses them too).

TYPO = GOOD.replace("<mj-text>Hi {{ contact.first_name }}</mj-text>", "<mj-buton>Hi</mj-buton>")
PROBLEM = "Line 4: <mj-buton> is not an MJML component — did you mean <mj-button>?"


def submitted_with_a_broken_email(client) -> tuple[Sequence, Email]:
    """A sequence submitted with its draft email, whose draft has a typo'd tag."""
    sequence, email = draft_sequence_with_draft_email()
    email.mjml = TYPO
    email.save_revision(clean=False)  # as the editor's "Save draft" does
    submit(logged_in_as(client, "editor"), sequence, email)
    return sequence, email


def errors_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def assert_nothing_approved(sequence: Sequence, email: Email) -> None:
    for instance in (sequence, email):
        instance.refresh_from_db()
        assert not instance.live
        assert instance.current_workflow_state.status == "in_progress", "still awaiting the moderator"
        assert instance.current_workflow_state.current_task_state.status == "in_progress"


def test_point2_approving_a_sequence_whose_email_has_problems_is_refused_with_a_message(client, moderation):
    sequence, email = submitted_with_a_broken_email(client)
    response = moderate(logged_in_as(Client(), "moderator"), sequence, "approve")
    assert response.status_code == 302
    (error,) = errors_of(response)
    assert error.startswith("“Welcome” was not approved: publishing it would send emails with problems")
    assert f"“Welcome #1”: {PROBLEM}" in error
    assert_nothing_approved(sequence, email)


def test_point2_approving_an_email_with_problems_is_refused_with_a_message(client, moderation):
    sequence, email = submitted_with_a_broken_email(client)
    state = email.current_workflow_state.current_task_state
    url = reverse("wagtailsnippets_drip_plugin_email:workflow_action", args=[email.pk, "approve", state.pk])
    response = logged_in_as(Client(), "moderator").post(url, {"comment": ""},
                                                        headers={"x-requested-with": "XMLHttpRequest"})
    assert response.status_code == 200 and '"step": "success"' in response.content.decode()
    (error,) = errors_of(response)
    assert error.startswith("“Welcome #1” was not approved") and PROBLEM in error
    assert_nothing_approved(sequence, email)


def test_point2_approving_an_email_with_problems_in_its_editor_is_refused(client, moderation):
    sequence, email = submitted_with_a_broken_email(client)
    moderator = logged_in_as(Client(), "moderator")
    response = moderator.post(reverse("wagtailsnippets_drip_plugin_email:edit", args=[email.pk]), {
        "name": "Welcome #1", "subject": "Hi", "preheader": "", "layout": "", "body-count": "0", "mjml": TYPO,
        "action-workflow-action": "true", "workflow-action-name": "approve"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The email was not approved: it has problems that block publishing" in page
    assert "&lt;mj-buton&gt; is not an MJML component" in page
    assert_nothing_approved(sequence, email)


def test_point2_approving_a_sequence_with_problems_in_its_editor_keeps_the_edits_and_is_refused(client, moderation):
    sequence, email = submitted_with_a_broken_email(client)
    moderator = logged_in_as(Client(), "moderator")
    response = moderator.post(edit_url(sequence), sequence_form(
        email, name="Welcome (reviewed)", **{"action-workflow-action": "true", "workflow-action-name": "approve"}))
    assert response.status_code == 302 and response.url == edit_url(sequence)
    (error,) = errors_of(response)
    assert error.startswith("“Welcome (reviewed)” was not approved") and PROBLEM in error
    assert_nothing_approved(sequence, email)
    assert sequence.get_latest_revision_as_object().name == "Welcome (reviewed)", "the moderator's edits are kept"


def test_point2_no_approval_outside_the_admin_puts_problems_live(client, moderation, django_user_model):
    """Whatever calls the workflow (a custom task, a script): the approval is undone."""
    sequence, email = submitted_with_a_broken_email(client)
    logged_in_as(Client(), "moderator")
    moderator = django_user_model.objects.get(username="moderator")
    for instance in (sequence, email):
        with pytest.raises(ApprovalRefused, match="was not approved"):
            instance.current_workflow_state.current_task_state.specific.approve(user=moderator)
        assert_nothing_approved(sequence, email)


def test_point2_once_fixed_the_same_approval_puts_sequence_and_email_live(client, moderation):
    sequence, email = submitted_with_a_broken_email(client)
    email.mjml = GOOD
    email.save_revision()
    assert moderate(logged_in_as(Client(), "moderator"), sequence, "approve").status_code == 302
    sequence.refresh_from_db()
    email.refresh_from_db()
    assert sequence.live and email.live and email.mjml == GOOD
