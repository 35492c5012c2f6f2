from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    RETRY_SCHEDULED = "retry_scheduled", _("retry scheduled")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    SUPPRESSED = "suppressed", _("not sent: unsubscribed or suppressed")


# Message.channel of emails (drip_plugin.channels.email).
EMAIL = "email"

# Statuses a sender may claim once `send_after` has come.
SENDABLE = [MessageStatus.QUEUED, MessageStatus.RETRY_SCHEDULED]


class Message(models.Model):
    """The outbox row of one (enrollment, step) message, on one channel.

    It is written *before* the send; the unique constraint makes a second
    email for the same step impossible, whatever workers, retries or crashes do.
    """

    # Storage (issue 23): no index of its own, drip_one_message_per_step starts with enrollment_id.
    enrollment = models.ForeignKey("drip_plugin.Enrollment", on_delete=models.CASCADE, related_name="messages",
                                   db_index=False)
    step = models.ForeignKey("drip_plugin.Step", on_delete=models.SET_NULL, null=True, related_name="messages")
    # Which channel it leaves on (drip_plugin.channels: "email", "sms", …).
    channel = models.CharField(max_length=16, default=EMAIL)
    # Email messages go to `to_email`; those of other channels to `address`
    # (an E.164 phone number, …), `to_email` left empty.
    to_email = models.EmailField(max_length=254)
    address = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    # Stable across retries: the Message-ID header and signed links derive
    # from it, so receivers and ESPs can recognise a resend.
    token = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    # Set when a sender moves the row to `sending`; it reads back only its own.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    subject = models.CharField(max_length=255, blank=True)
    # The Wagtail locale of the email translation that was sent ("fr", "en").
    language = models.CharField(max_length=16, blank=True)
    send_after = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    # A claim holds the row until `sending_until`; a sender that died is
    # detected when the lease runs out.
    sending_until = models.DateTimeField(null=True, blank=True)
    # Written just before the hand-over to the ESP: a dead sender with this
    # set may or may not have delivered, so the message is never resent.
    handed_at = models.DateTimeField(null=True, blank=True)
    variant = models.CharField(max_length=1, blank=True, help_text="A, B, … on A/B/n-tested steps")
    revenue = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    revenue_currency = models.CharField(max_length=3, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When it last failed for good (a retry clears it).
    failed_at = models.DateTimeField(null=True, blank=True)
    esp_message_id = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("message")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "step"], name="drip_one_message_per_step"),
        ]
        indexes = [
            # Each channel's sender claims its own due messages.
            models.Index(fields=["channel", "send_after"], name="drip_message_sendable_channel",
                         condition=Q(status__in=SENDABLE)),
            models.Index(fields=["sending_until"], name="drip_message_leased", condition=Q(status="sending")),
            # The dashboard's failures today: a range of this small index, not a scan of the outbox.
            models.Index(fields=["failed_at"], name="drip_message_failed", condition=Q(status="failed")),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient} ({self.status})"

    @property
    def recipient(self) -> str:
        """Where it goes, on its channel."""
        return self.to_email or self.address

    def email(self):
        """The Email this message sends (the variant it got on an A/B-tested
        step); None once its step or email was deleted."""
        return self.step.email_for_variant(self.variant) if self.step else None

    def sms_text(self):
        """The SmsText this message sends; None once its step or text was deleted."""
        return self.step.sms if self.step else None
