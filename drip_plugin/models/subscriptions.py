from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

CANCELLED = "cancelled"


class Subscription(models.Model):
    """A contact's subscription, for hosts without their own model.

    Fed by the subscription_started / _renewed / _cancelled events; the next
    `renewal_due` reminder is found through the partial index on `next_reminder_at`.
    """

    contact = models.ForeignKey("drip_plugin.Contact", on_delete=models.CASCADE, related_name="subscriptions")
    # The host's id, sent as the `subscription_id` event property.
    external_id = models.CharField(_("external id"), max_length=255, unique=True)
    plan = models.CharField(_("plan"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=32, default="active")
    renews_at = models.DateTimeField(_("renews at"), null=True, blank=True)
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    next_reminder_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # Events arrive unordered (webhooks): one older than the last applied is ignored.
    last_event_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        indexes = [
            models.Index(
                fields=["next_reminder_at"],
                name="drip_subscription_reminder",
                condition=Q(next_reminder_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan or self.external_id} ({self.status})"

    def snapshot(self) -> dict:
        """The `subscription` merge data of the event conventions."""
        return {
            "subscription_id": self.external_id,
            "plan": self.plan,
            "status": self.status,
            "renews_at": self.renews_at.isoformat() if self.renews_at else None,
        }
