from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Consent(models.Model):
    """One grant or withdrawal of marketing consent, kept as evidence
    (GDPR art. 7(1): the controller must be able to show consent was given).

    Append-only: the latest row per contact is the current state.
    """

    contact = models.ForeignKey("drip_plugin.Contact", on_delete=models.CASCADE, related_name="consents")
    # What it is consent to: marketing "email", "sms", …
    channel = models.CharField(_("channel"), max_length=16, default="email")
    granted = models.BooleanField(_("granted"), help_text=_("False records a withdrawal."))
    # Where it was given: "signup form", "checkout", "import", "unsubscribe link" …
    source = models.CharField(_("source"), max_length=100)
    # Which wording the person saw, e.g. "newsletter-2026-01"; the text itself
    # lives with the host's forms, versioned.
    wording_version = models.CharField(_("wording version"), max_length=100, blank=True)
    # The words the person agreed to, as shown (SMS consent must be provable
    # to the letter; for email the wording version usually suffices).
    text_shown = models.TextField(_("text shown"), blank=True)
    # Why, when a person on the shop's side made the change (the admin form's reason).
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent")
        indexes = [models.Index(fields=["contact", "recorded_at"], name="drip_consent_contact")]

    def __str__(self) -> str:
        return f"{self.channel} {'granted' if self.granted else 'withdrawn'} via {self.source}"
