from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import DraftStateMixin, LockableMixin, PreviewableMixin, RevisionMixin

from ..channels.sms.widgets import SMSBodyTextarea
from ..forms import SmsTextForm


class SmsText(PreviewableMixin, DraftStateMixin, LockableMixin, RevisionMixin, models.Model):
    """The text of one SMS, reusable by SMS steps of any sequence.

    Like an Email, the row holds the live version and drafts stay in
    revisions. The body is a Django template over the same merge context as
    emails ({{ contact.first_name }}, {{ cart.restore_url }}, …); links in it
    are replaced by tracked short links when it is sent.

    Its editor counts characters and segments as they are typed; like an
    email's MJML errors, a merge-field problem or a text over SMS_MAX_SEGMENTS
    may be saved in a draft (with a warning) but not published.
    """

    name = models.CharField(_("name"), max_length=200, help_text=_("For editors only, e.g. 'Cart reminder SMS'."))
    body = models.TextField(
        _("text"), help_text=_("Merge fields as in emails, e.g. {{ contact.first_name }}. Links are shortened "
                               "and tracked when the SMS is sent."))
    revisions = GenericRelation("wagtailcore.Revision", related_query_name="drip_sms_text")

    base_form_class = SmsTextForm

    panels = [FieldPanel("name"), FieldPanel("body", widget=SMSBodyTextarea)]

    class Meta:
        verbose_name = _("SMS text")
        verbose_name_plural = _("SMS texts")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        from django.core.exceptions import ValidationError

        from .emails import CONTENT_PROBLEM

        if problems := self.content_problem_messages():
            raise ValidationError({"body": [ValidationError(problem, code=CONTENT_PROBLEM) for problem in problems]})

    def content_problem_messages(self) -> list[str]:
        from ..channels.sms.content import sms_body_problems

        return sms_body_problems(self.body or "")

    @property
    def preview_modes(self):
        """The sample contact, then each of the newest real contacts."""
        from ..channels.sms.preview import sms_preview_modes

        return sms_preview_modes()

    def get_preview_template(self, request, mode_name):
        return "drip_plugin/sms_preview.html"

    def get_preview_context(self, request, mode_name):
        from ..channels.sms.preview import sms_preview_context

        return sms_preview_context(self.body or "", mode_name)
