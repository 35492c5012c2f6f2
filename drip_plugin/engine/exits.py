"""Goal/exit events: an event listed by a sequence ends matching journeys at once."""
from __future__ import annotations

import logging

from ..models import Enrollment, Event, Sequence
from ..models.enrollments import EnrollmentState
from .enrollment import journey_key

logger = logging.getLogger("drip_plugin.engine")


def exit_on_event(event: Event) -> int:
    """End the contact's active journeys whose sequence exits on `event`; return how many."""
    ended = 0
    candidates = Sequence.objects.filter(live=True, exit_events__contains=event.name)
    for sequence in candidates:
        if event.name not in sequence.exit_event_names:
            continue
        journeys = Enrollment.objects.filter(
            contact_id=event.contact_id, sequence=sequence, state=EnrollmentState.ACTIVE
        )
        if sequence.journey_per:
            key = journey_key(sequence, event.properties)
            if key is None:
                continue  # an order without a checkout id ends no cart journey
            journeys = journeys.filter(object_key=key)
        ended += journeys.update(
            state=EnrollmentState.EXITED,
            exit_reason=f"exit event {event.name}",
            due_at=None,
            ended_at=event.occurred_at,
        )
    if ended:
        logger.info("event %s (%s) ended %s journeys", event.pk, event.name, ended)
    return ended


def on_event_tracked(sender, event: Event, **kwargs) -> None:
    exit_on_event(event)
