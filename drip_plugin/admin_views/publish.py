"""Publishing a sequence whose emails are drafts: the editor publishes them
too, or cancels — a sequence never goes live while its emails stay silent."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from ..models import Email, Sequence
from ..rendering.checks import email_warnings
from .sequence_pages import SequencePageMixin


def may_publish(user) -> bool:
    return all(model.snippet_viewset.permission_policy.user_has_permission(user, "publish")
               for model in (Sequence, Email))


def publish_with_emails(sequence: Sequence, emails: list[Email], user) -> None:
    """Publish each email's latest version, then the sequence's, together."""
    with transaction.atomic():
        for email in emails:
            (email.latest_revision or email.save_revision(user=user)).publish(user=user)
        sequence.latest_revision.publish(user=user)


class PublishWithEmailsView(SequencePageMixin, TemplateView):
    template_name = "drip_plugin/admin/publish_with_emails.html"
    page_title = _("Publish with its emails")

    def dispatch(self, request, *args, pk: int, **kwargs):
        if not may_publish(request.user):
            raise PermissionDenied
        self.sequence = get_object_or_404(Sequence, pk=pk)
        self.draft = self.sequence.get_latest_revision_as_object()
        self.emails = self.draft.draft_emails()
        return super().dispatch(request, *args, **kwargs)

    @property
    def shown_sequence(self):
        return self.draft

    def get_context_data(self, **kwargs):
        latest = [(email, email.get_latest_revision_as_object()) for email in self.emails]
        # Checks are warnings: shown next to each email, they never block.
        drafts = [(email, draft.content_problem_messages(), [str(warning) for warning in email_warnings(draft)])
                  for email, draft in latest]
        return super().get_context_data(**kwargs, sequence=self.draft, drafts=drafts, edit_url=self.edit_url,
                                        blocked=any(problems for _email, problems, _warnings in drafts))

    def post(self, request, *args, **kwargs):
        context = self.get_context_data()
        if context["blocked"]:
            messages.error(request, _("Fix the emails' problems first: nothing was published."))
            return self.render_to_response(context)
        publish_with_emails(self.sequence, self.emails, request.user)
        messages.success(request, _("“%(sequence)s” is live, with %(count)d email(s) published with it.")
                         % {"sequence": self.draft.name, "count": len(self.emails)})
        return redirect(self.edit_url)
