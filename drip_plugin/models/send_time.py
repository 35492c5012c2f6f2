"""What drip learned about when each contact reads (analytics/send_time.py
writes these, the "best time" step timing reads them)."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class HourScores(models.Model):
    """24 decayed counts of opens and clicks, one per local hour (0–23), as
    they stood at `scored_at`: a later reader multiplies them all by the same
    decay, so they are only rewritten when something new is learned."""

    hour_scores = models.JSONField(default=list)
    scored_at = models.DateTimeField(null=True)  # None: nothing learned yet

    class Meta:
        abstract = True


class ContactSendTime(HourScores):
    """When one contact opens and clicks, in their own time zone."""

    contact = models.OneToOneField("drip_plugin.Contact", on_delete=models.CASCADE, primary_key=True,
                                   related_name="send_time")

    class Meta:
        verbose_name = _("contact's send time")

    def __str__(self) -> str:
        return f"send time of contact {self.contact_id}"


class PopulationSendTime(HourScores):
    """When everyone opens and clicks, in each one's local time: one row."""

    class Meta:
        verbose_name = _("population's send time")

    def __str__(self) -> str:
        return "send time of all contacts"


class SendTimeSignal(models.Model):
    """An honest open or click not learned yet: written with the event, read
    and deleted by the tick in batches, so learning never rescans events."""

    contact = models.ForeignKey("drip_plugin.Contact", on_delete=models.CASCADE, related_name="+")
    # In the contact's time zone when it happened.
    local_hour = models.PositiveSmallIntegerField()
    occurred_at = models.DateTimeField()

    class Meta:
        verbose_name = _("send-time signal")

    def __str__(self) -> str:
        return f"contact {self.contact_id} read at {self.local_hour}h"
