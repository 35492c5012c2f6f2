from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import DraftStateMixin, LockableMixin, RevisionMixin


class SmsText(DraftStateMixin, LockableMixin, RevisionMixin, models.Model):
    """The text of one SMS, reusable by SMS steps of any sequence.

    Like an Email, the row holds the live version and drafts stay in
    revisions. The body is a Django template over the same merge context as
    emails ({{ contact.first_name }}, {{ cart.restore_url }}, …); links in it
    are replaced by tracked short links when it is sent.
    """

    name = models.CharField(_("name"), max_length=200, help_text=_("For editors only, e.g. 'Cart reminder SMS'."))
    body = models.TextField(
        _("text"), help_text=_("Merge fields as in emails, e.g. {{ contact.first_name }}. Links are shortened "
                               "and tracked when the SMS is sent."))
    revisions = GenericRelation("wagtailcore.Revision", related_query_name="drip_sms_text")

    panels = [FieldPanel("name"), FieldPanel("body")]

    class Meta:
        verbose_name = _("SMS text")
        verbose_name_plural = _("SMS texts")

    def __str__(self) -> str:
        return self.name
