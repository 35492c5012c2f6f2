"""Email, the first channel: a thin adapter over the outbox (delivery/),
whose hand-over, leases and reconcile stay where they are."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..delivery import outbox
from ..engine.caps import global_cap
from ..models.messages import EMAIL
from ..models.sequences import StepKind
from .base import Channel, Reach


class EmailChannel(Channel):
    name = EMAIL
    label = _("email")
    fallback_label = _("send the step's email instead")
    step_kind = StepKind.EMAIL

    def has_content(self, step) -> bool:
        return step.email_id is not None

    def reach(self, contacts):
        # Suppressions and unsubscribes are checked at send time (outbox.Refusals).
        return {c.pk: Reach(address=c.email) if c.email else Reach(refusal="no email address") for c in contacts}

    def frequency_cap(self):
        return global_cap()

    def send_due(self, now, limit):
        return outbox.send_due_messages(now, limit)

    def send_claimed(self, claim, now):
        return outbox.send_claimed(claim, now)

    def dispatch_due(self, now, limit, hand_over):
        return outbox.dispatch_due_messages(now, limit, hand_over)
