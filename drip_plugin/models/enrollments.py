from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EnrollmentState(models.TextChoices):
    ACTIVE = "active", _("active")
    COMPLETED = "completed", _("completed")
    EXITED = "exited", _("exited")


class Enrollment(models.Model):
    """One contact's journey through one sequence (per object, e.g. per cart)."""

    contact = models.ForeignKey("drip_plugin.Contact", on_delete=models.CASCADE, related_name="enrollments")
    sequence = models.ForeignKey("drip_plugin.Sequence", on_delete=models.CASCADE, related_name="enrollments")
    # Which cart/order/subscription this journey is about; "" for per-contact sequences.
    object_key = models.CharField(max_length=255, blank=True, default="")
    trigger_event = models.ForeignKey(
        "drip_plugin.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=16, choices=EnrollmentState.choices, default=EnrollmentState.ACTIVE)
    # SET_NULL: an editor deleting a step must not delete journeys; the engine
    # completes an active enrollment whose step vanished.
    current_step = models.ForeignKey(
        "drip_plugin.Step", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the current step is due. NULL once the journey is over, so the
    # partial index only ever holds work that can still become due.
    due_at = models.DateTimeField(null=True, blank=True)
    enrolled_at = models.DateTimeField(default=timezone.now)
    # When the last step was taken ("since the previous step" conditions).
    last_step_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    exit_reason = models.CharField(max_length=255, blank=True)
    # Held out of the sequence's emails (Sequence.holdout_percent), to measure their lift.
    holdout = models.BooleanField(default=False)
    # When the sequence's goal event first came after enrollment, and its order total.
    goal_reached_at = models.DateTimeField(null=True, blank=True)
    goal_value = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # Lift is read in one currency: values in another are left out, never added.
    goal_currency = models.CharField(max_length=3, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        indexes = [
            models.Index(fields=["due_at"], name="drip_enrollment_due", condition=Q(due_at__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "sequence", "object_key"],
                condition=Q(state="active"),
                name="drip_one_active_enrollment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.sequence_id} ({self.state})"

    def end(self, state: str, reason: str, now) -> None:
        self.state = state
        self.exit_reason = reason
        self.due_at = None
        self.ended_at = now
