from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EventFlag(models.TextChoices):
    STAFF = "staff", _("staff (logged into the admin)")
    PREFETCH = "prefetch", _("prefetched (mail privacy proxy)")
    SCANNER = "scanner", _("link scanner (clicked right after sending)")


class MessageEvent(models.Model):
    """What the ESP (through anymail's tracking signal) or our own pixel and
    click links tell us happened to a message."""

    # Storage (issue 23): no index on message alone (drip_msgevent_type starts
    # with it) nor on event_type alone (read only by whole-table counts,
    # which scan anyway): ≈ 60 bytes per event.
    message = models.ForeignKey("drip_plugin.Message", on_delete=models.CASCADE, related_name="events",
                                null=True, blank=True, db_index=False)
    event_type = models.CharField(max_length=32)  # anymail's normalised types
    recipient = models.EmailField(max_length=254, blank=True)
    occurred_at = models.DateTimeField()
    esp_event_id = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    url = models.URLField(max_length=2000, blank=True)
    # How the ESP classified a non-delivery: "soft" (deferred, transient: counts
    # towards SOFT_BOUNCE_LIMIT once per message) or "hard" (suppresses).
    bounce = models.CharField(max_length=4, blank=True, choices=[("soft", _("soft")), ("hard", _("hard"))])
    # An open or click that was no person reading: left out of rates, shown apart.
    flag = models.CharField(max_length=16, blank=True, choices=EventFlag.choices)

    class Meta:
        verbose_name = _("message event")
        indexes = [
            models.Index(fields=["message", "event_type"], name="drip_msgevent_type"),
        ]
        constraints = [
            # ESPs resend a webhook they think failed, also several at once:
            # the second insert fails, so its consequences are never applied twice.
            # Per recipient: Amazon SES gives all recipients of one notification one id.
            models.UniqueConstraint(fields=["esp_event_id", "recipient"], condition=~Q(esp_event_id=""),
                                    name="drip_msgevent_esp_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.recipient}"


class Suppression(models.Model):
    """An address we must never mail again (bounce, complaint, erasure).

    Keyed by a salted hash of the normalised address so it outlives erasure of
    the contact's personal data: a re-import of the same address stays suppressed.
    """

    email_hash = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("suppression")

    def __str__(self) -> str:
        return f"{self.reason} {self.email_hash[:12]}…"
