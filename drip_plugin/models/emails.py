from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.blocks.stream_block import StreamBlockValidationError
from wagtail.fields import StreamField
from wagtail.models import (DraftStateMixin, LockableMixin, PreviewableMixin, RevisionMixin, TranslatableMixin,
                            WorkflowMixin)

from ..forms import EmailForm, MJMLCodeEditor
from .email_blocks import EmailBodyBlock


class Email(TranslatableMixin, PreviewableMixin, WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin,
            models.Model):
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
    layout = models.ForeignKey("drip_plugin.Layout", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("layout"),
                               help_text=_("Header, colours and footer around the blocks; empty: the default."))
    body = StreamField(EmailBodyBlock(), blank=True, verbose_name=_("content blocks"))
    mjml = models.TextField(_("whole email in raw MJML"), blank=True,
                            help_text=_("For developers, instead of blocks: the complete <mjml> document; "
                                        "Django template variables allowed."))
    revisions = GenericRelation("wagtailcore.Revision", related_query_name="drip_email")
    workflow_states = GenericRelation("wagtailcore.WorkflowState", content_type_field="base_content_type",
                                      object_id_field="object_id", related_query_name="drip_email",
                                      for_concrete_model=False)
    base_form_class = EmailForm

    panels = [
        FieldPanel("name"), FieldPanel("subject"), FieldPanel("preheader"),
        MultiFieldPanel([FieldPanel("layout"), FieldPanel("body")], heading=_("Content")),
        MultiFieldPanel([FieldPanel("mjml", widget=MJMLCodeEditor)], heading=_("Or: the whole email in raw MJML")),
    ]

    @property
    def preview_modes(self):
        """Desktop, mobile and text for the sample contact, then desktop as
        each of the newest real contacts (with their own latest cart/order)."""
        from ..rendering.preview import CONTACT_MODE, preview_contacts

        return [("desktop", _("Desktop")), ("mobile", _("Mobile")), ("text", _("Plain text"))] + [
            (f"{CONTACT_MODE}{contact.pk}", _("Desktop, as %(email)s") % {"email": contact.email})
            for contact in preview_contacts()
        ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("email")

    def __str__(self) -> str:
        return self.name

    def copy_for_translation(self, locale, exclude_fields=None):
        """Wagtail copies `live` and the source's live revision into a new
        translation; it starts as an unpublished draft instead, so contacts of
        that language keep the fallback until the translated text is published."""
        copy = super().copy_for_translation(locale, exclude_fields)
        copy.live, copy.has_unpublished_changes, copy.live_revision = False, True, None
        copy.first_published_at = copy.last_published_at = None
        return copy

    @property
    def uses_raw_mjml(self) -> bool:
        return bool((self.mjml or "").strip())

    def mjml_source(self) -> str:
        """The whole email as MJML: the raw document, or the blocks in their
        layout; `<mjml lang>` is the email's language unless the source sets one."""
        from ..rendering.assembly import assemble
        from ..rendering.languages import email_language
        from ..rendering.mjml import with_language

        return with_language(self.mjml if self.uses_raw_mjml else assemble(self).source, email_language(self))

    def clean(self):
        """Editors see every MJML/template problem as a form error with its
        line — on the block it comes from when the email is built from blocks.
        Their code is CONTENT_PROBLEM: a draft may be saved with them (see
        drip_plugin.forms.EmailForm), publishing may not."""
        super().clean()
        from django.core.exceptions import ValidationError

        problems = self.content_problems()
        if problems:
            raise ValidationError(problems)

    def content_problems(self) -> dict:
        """Field name → its ValidationError; empty when the email can be published."""
        from django.core.exceptions import ValidationError

        from ..rendering.validation import email_problems

        def error(message) -> ValidationError:
            return ValidationError(message, code=CONTENT_PROBLEM)

        if self.uses_raw_mjml and len(self.body):
            return {"mjml": error(_("Use either content blocks or raw MJML, not both: empty one of them."))}
        if not self.uses_raw_mjml and not len(self.body):
            return {"body": error(_("Add content blocks (or write the whole email in raw MJML)."))}
        if self.uses_raw_mjml:
            found = email_problems(self.mjml, self.subject or "")
            return {field: [error(str(p)) for p in problems] for field, problems in found.items()}
        from ..rendering.assembly import assemble

        assembled = assemble(self)
        found = email_problems(assembled.source, self.subject or "")
        errors = {field: [error(str(p)) for p in problems] for field, problems in found.items() if field != "mjml"}
        if "mjml" in found:
            errors["body"] = _block_errors(assembled, found["mjml"])
        return errors

    def content_problem_messages(self) -> list[str]:
        from django.core.exceptions import ValidationError

        return [message for error in self.content_problems().values() for message in ValidationError(error).messages]

    def get_preview_template(self, request, mode_name):
        return "drip_plugin/preview.html"

    def get_preview_context(self, request, mode_name):
        from ..rendering.preview import preview_context

        return preview_context(self, mode_name)


CONTENT_PROBLEM = "content"


class BlockProblems(StreamBlockValidationError):
    """Problems of a block-built email: each shown on (and highlighting) the
    block it comes from in the editor; its message lists them all."""

    def __init__(self, block_errors: dict, non_block_errors: list, messages: list[str]):
        super().__init__(block_errors=block_errors, non_block_errors=non_block_errors)
        self.message, self.code = "\n".join(messages), CONTENT_PROBLEM


def _block_errors(assembled, problems) -> BlockProblems:
    per_block: dict[int, list[str]] = {}
    layout, messages = [], []
    for problem in problems:
        span, line = assembled.locate(problem.line)
        if span is None:
            layout.append(message := f"Layout, line {line}: {problem.message}")
        else:
            per_block.setdefault(span.number - 1, []).append(
                message := f"Block {span.number} ({span.label}), line {line}: {problem.message}")
        messages.append(message)
    from django.core.exceptions import ValidationError

    return BlockProblems({index: ValidationError("\n".join(found)) for index, found in per_block.items()},
                         layout, messages)
