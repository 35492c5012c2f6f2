from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StepDay(models.Model):
    """What one step (one variant of it) did on one day, kept as it happens
    (analytics/aggregates.py), so a report reads a few rows per day whatever
    the number of messages. Days are dates in the site's TIME_ZONE."""

    sequence = models.ForeignKey("drip_plugin.Sequence", on_delete=models.CASCADE, related_name="+")
    step = models.ForeignKey("drip_plugin.Step", on_delete=models.CASCADE, related_name="+")
    variant = models.CharField(max_length=1, blank=True)
    day = models.DateField()
    sent = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    # Honest (unflagged) open and click events, and the messages first opened /
    # clicked that day; flagged ones (staff, prefetchers, scanners) apart.
    opens = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)
    clicked = models.PositiveIntegerField(default=0)
    opens_flagged = models.PositiveIntegerField(default=0)
    clicks_flagged = models.PositiveIntegerField(default=0)
    # Messages an order was first credited to, on the day the message was sent.
    converted = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("step day")
        constraints = [models.UniqueConstraint(fields=["step", "variant", "day"], name="drip_stepday_once")]
        indexes = [models.Index(fields=["sequence", "day"], name="drip_stepday_sequence")]


class StepDayRevenue(models.Model):
    """Revenue credited to one step (variant)'s messages sent on one day, per currency."""

    sequence = models.ForeignKey("drip_plugin.Sequence", on_delete=models.CASCADE, related_name="+")
    step = models.ForeignKey("drip_plugin.Step", on_delete=models.CASCADE, related_name="+")
    variant = models.CharField(max_length=1, blank=True)
    day = models.DateField()
    currency = models.CharField(max_length=3, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("step day revenue")
        constraints = [models.UniqueConstraint(fields=["step", "variant", "day", "currency"],
                                               name="drip_stepdayrevenue_once")]
        indexes = [models.Index(fields=["sequence", "day"], name="drip_stepdayrevenue_sequence")]


class SequenceDay(models.Model):
    """Journeys that entered one sequence on one day (site's TIME_ZONE), kept
    as they enter, so the report's "entered" reads a row per day."""

    sequence = models.ForeignKey("drip_plugin.Sequence", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    entered = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("sequence day")
        constraints = [models.UniqueConstraint(fields=["sequence", "day"], name="drip_sequenceday_once")]


class SequenceDayExit(models.Model):
    """Journeys of one sequence that exited on one day, per reason."""

    sequence = models.ForeignKey("drip_plugin.Sequence", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    reason = models.CharField(max_length=255, blank=True)
    exited = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("sequence day exit")
        constraints = [models.UniqueConstraint(fields=["sequence", "day", "reason"],
                                               name="drip_sequencedayexit_once")]
