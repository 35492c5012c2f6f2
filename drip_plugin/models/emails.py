from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import DraftStateMixin, PreviewableMixin, RevisionMixin, TranslatableMixin


class Email(TranslatableMixin, PreviewableMixin, DraftStateMixin, RevisionMixin, models.Model):
    """The content of one email, reusable by steps of any sequence.

    Like a sequence, the row holds the live version; drafts stay in revisions,
    so editing an email never changes what is being sent until it is published.
    Translations (Wagtail's TranslatableMixin: same translation_key, another
    locale) are picked by the contact's locale at send time; steps point at
    the email in the default locale.
    """

    name = models.CharField(_("name"), max_length=200, help_text=_("For editors only, e.g. 'Welcome #1'."))
    subject = models.CharField(_("subject"), max_length=255)
    preheader = models.CharField(_("preheader"), max_length=255, blank=True)
    mjml = models.TextField(_("MJML body"), help_text=_("Whole email as MJML; Django template variables allowed."))
    revisions = GenericRelation("wagtailcore.Revision", related_query_name="drip_email")

    panels = [FieldPanel("name"), FieldPanel("subject"), FieldPanel("preheader"), FieldPanel("mjml")]

    preview_modes = [("desktop", _("Desktop")), ("mobile", _("Mobile")), ("text", _("Plain text"))]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("email")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """Editors see every MJML/template problem as a form error with its line."""
        super().clean()
        from django.core.exceptions import ValidationError

        from ..rendering.validation import email_problems

        problems = email_problems(self.mjml or "", self.subject or "")
        if problems:
            raise ValidationError({field: [str(p) for p in found] for field, found in problems.items()})

    def get_preview_template(self, request, mode_name):
        return "drip_plugin/preview.html"

    def get_preview_context(self, request, mode_name):
        from ..rendering.preview import preview_context

        return preview_context(self, mode_name)
