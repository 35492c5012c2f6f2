from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class SmsConsent(models.TextChoices):
    """Where the contact stands on SMS; the Consent rows (channel "sms") are the proof."""
    NONE = "", _("not asked")
    PENDING = "pending", _("waiting for the YES reply (double opt-in)")
    GRANTED = "granted", _("granted")
    WITHDRAWN = "withdrawn", _("withdrawn (STOP)")


class ContactQuerySet(models.QuerySet):
    def with_address(self, email: str) -> ContactQuerySet:
        """Contacts with this address, any case; through Lower() so that the
        functional unique index serves the lookup (a plain email= scans the table)."""
        return self.alias(email_ci=Lower("email")).filter(email_ci=email.strip().lower())


class Contact(models.Model):
    """Someone drip email can go to; linked to a host user when there is one."""

    email = models.EmailField(_("email"), max_length=254)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="drip_contact",
    )
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    locale = models.CharField(_("locale"), max_length=16, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, help_text=_("IANA name, e.g. Europe/Paris.")
    )
    # Indexed: an inbound SMS (STOP) finds its contacts by number.
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True,
                             help_text=_("E.164, e.g. +33612345678."))
    sms_consent = models.CharField(_("SMS consent"), max_length=16, blank=True, choices=SmsConsent.choices,
                                   default=SmsConsent.NONE)
    # Segment filters read these as contact.<name>; identify(), the host
    # adapters, the admin and the import fill them.
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    # Set from order_completed events; win-back and "ordered within N days" read it.
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True, db_index=True)
    is_subscribed = models.BooleanField(_("subscribed"), default=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    opted_out_of = models.ManyToManyField(
        "drip_plugin.Sequence", blank=True, related_name="opted_out_contacts",
        help_text=_("Sequences this contact chose not to receive (preference centre)."),
    )
    # Reset by any delivery, open or click; more than SOFT_BOUNCE_LIMIT in a
    # row suppresses the address.
    consecutive_soft_bounces = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        # The data-subject actions, granted apart from viewing and editing.
        permissions = [
            ("export_contact", _("Can export a contact's data (GDPR)")),
            ("erase_contact", _("Can erase a contact (GDPR)")),
        ]
        constraints = [
            # Emails are stored lower-cased by ingest; the functional index
            # keeps a hand-made row from sneaking in a case variant.
            models.UniqueConstraint(Lower("email"), name="drip_contact_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        # Stored as ingest stores it, whoever saves (the admin, a host's code):
        # suppression, ESP events and the GDPR commands all look addresses up lower-cased.
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
