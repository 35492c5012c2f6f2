"""Moderation carries a sequence's draft emails with it: submitting a
sequence to its workflow submits the draft emails it sends to the same
workflow; approving the sequence approves them (so they go live with it, in
the same transaction); rejecting it sends them back to their editors too.

A sequence never goes live through moderation while its emails stay silent,
as the direct publish's confirmation (admin_views.publish) ensures; and no
approval puts an email with content problems live (drafts may keep them,
publishing refuses them): the approval is undone and says why.
"""
from __future__ import annotations

from wagtail.models import TaskState, WorkflowState
from wagtail.signals import workflow_approved, workflow_rejected, workflow_submitted

from django.utils.translation import gettext as _

from .models import Email, Sequence

COMMENT = "With its sequence “%s”."


class ApprovalRefused(Exception):
    """An approval that would put emails with content problems live.

    Raised while Wagtail finishes the workflow, inside its transaction: the
    approval, and the publishing it started, are rolled back. The admin views
    (admin_views.viewsets) turn it into a message for the moderator."""


def approval_problems(instance) -> list[str]:
    """What blocks `instance` from going live through an approval: an
    email's content problems (its latest version is the one published), or
    those of the draft emails a sequence takes live with it."""
    if isinstance(instance, Email):
        return instance.get_latest_revision_as_object().content_problem_messages()
    return [f"“{email.name}”: {message}" for email in instance.get_latest_revision_as_object().draft_emails()
            for message in email.get_latest_revision_as_object().content_problem_messages()]


def refuse_approval_with_problems(instance) -> None:
    if problems := approval_problems(instance):
        raise ApprovalRefused(_("“%(name)s” was not approved: publishing it would send emails with problems "
                                "(fix them, or request changes): %(problems)s")
                              % {"name": instance.get_latest_revision_as_object(), "problems": " — ".join(problems)})


def submit_emails_with(state: WorkflowState, user) -> None:
    """Each draft email of the submitted sequence enters the sequence's workflow."""
    sequence = state.content_object
    for email in sequence.get_latest_revision_as_object().draft_emails():
        if email.workflow_in_progress:
            continue
        if email.latest_revision is None:  # a task reviews a revision
            email.save_revision(user=user)
        state.workflow.start(email, user)


def approve_emails_with(sequence: Sequence, user) -> None:
    """Draft emails of the approved sequence go live with it: those in
    moderation pass all their remaining tasks, the others are published."""
    for email in sequence.draft_emails():
        if email.workflow_in_progress:
            finish_tasks(email.current_workflow_state, user, TaskState.approve, COMMENT % sequence.name)
        else:
            (email.latest_revision or email.save_revision(user=user)).publish(user=user)


def reject_emails_with(sequence: Sequence, user) -> None:
    """Draft emails in moderation go back to their editors with the sequence."""
    for email in sequence.get_latest_revision_as_object().draft_emails():
        if email.workflow_in_progress:
            finish_tasks(email.current_workflow_state, user, TaskState.reject, COMMENT % sequence.name)


def finish_tasks(state: WorkflowState, user, action, comment: str) -> None:
    """Apply `action` (approve or reject) to the current task until the workflow is over."""
    while state.status == WorkflowState.STATUS_IN_PROGRESS and state.current_task_state:
        action(state.current_task_state.specific, user=user, comment=comment)
        state.refresh_from_db()


def on_workflow_submitted(sender, instance: WorkflowState, user=None, **kwargs) -> None:
    if isinstance(instance.content_object, Sequence):
        submit_emails_with(instance, user)


def on_workflow_approved(sender, instance: WorkflowState, user=None, **kwargs) -> None:
    if isinstance(instance.content_object, (Email, Sequence)):
        refuse_approval_with_problems(instance.content_object)
    if isinstance(instance.content_object, Sequence):
        approve_emails_with(Sequence.objects.get(pk=instance.object_id), user)


def on_workflow_rejected(sender, instance: WorkflowState, user=None, **kwargs) -> None:
    if isinstance(instance.content_object, Sequence):
        reject_emails_with(Sequence.objects.get(pk=instance.object_id), user)


def connect() -> None:
    workflow_submitted.connect(on_workflow_submitted, dispatch_uid="drip_plugin.moderation.submitted")
    workflow_approved.connect(on_workflow_approved, dispatch_uid="drip_plugin.moderation.approved")
    workflow_rejected.connect(on_workflow_rejected, dispatch_uid="drip_plugin.moderation.rejected")

