from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """Something a contact did (or that happened to them), as tracked."""

    name = models.CharField(_("name"), max_length=100)
    # No index of its own: drip_event_contact_name starts with contact_id.
    contact = models.ForeignKey("drip_plugin.Contact", on_delete=models.CASCADE, related_name="events",
                                db_index=False)
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    received_at = models.DateTimeField(auto_now_add=True)
    # Webhooks and retries deliver the same fact more than once: the key makes
    # recording it idempotent (drip_event_idempotency_once).
    idempotency_key = models.CharField(max_length=255)

    class Meta:
        verbose_name = _("event")
        # Storage (issue 23): declared here rather than with unique=True /
        # db_index=True on the fields, which on PostgreSQL also build a
        # varchar_pattern_ops copy of each index for LIKE, a query drip never
        # makes on these columns (≈ 80 bytes per event).
        indexes = [
            models.Index(fields=["contact", "name", "occurred_at"], name="drip_event_contact_name"),
            # The editors' check of event names outside the catalogue (when last received).
            models.Index(fields=["name"], name="drip_event_name"),
        ]
        constraints = [models.UniqueConstraint(fields=["idempotency_key"], name="drip_event_idempotency_once")]

    def __str__(self) -> str:
        return f"{self.name} ({self.contact_id})"


def property_is(name: str, value: str) -> Q:
    """Events whose `properties[name]` is `value`; hosts send ids as numbers
    or as strings, so "42" also matches 42."""
    lookup = f"properties__{name}"
    numeric = value.isascii() and value.isdigit()
    return Q(**{lookup: value}) | (Q(**{lookup: int(value)}) if numeric else Q(pk__in=[]))
