"""Goal/exit events: an event listed by a sequence ends matching journeys at once."""
from __future__ import annotations

import datetime as dt
import logging

from ..analytics.aggregates import count_exited, site_day
from ..models import Enrollment, Event, Message
from ..models.enrollments import EnrollmentState
from ..models.messages import SENDABLE, MessageStatus
from .enrollment import LiveSequences, journey_key

logger = logging.getLogger("drip_plugin.engine")

CLOCK_SKEW = dt.timedelta(minutes=10)


def exit_on_event(event: Event, live: LiveSequences | None = None) -> int:
    """End the contact's active journeys whose sequence exits on `event`; return
    how many. `live`: the live sequences, when the caller has read them already."""
    ended = 0
    for sequence in (live or LiveSequences({event.name})).exited_by(event.name):
        # Only journeys begun before it happened: an old event delivered late
        # must not end a newer journey. CLOCK_SKEW: the cart's events may come
        # from the host's clock and its order's from Saleor's.
        journeys = Enrollment.objects.filter(
            contact_id=event.contact_id, sequence=sequence, state=EnrollmentState.ACTIVE,
            enrolled_at__lte=event.occurred_at + CLOCK_SKEW,
        )
        if sequence.journey_per:
            key = journey_key(sequence, event.properties)
            if key is None:
                continue  # an order without a checkout id ends no cart journey
            journeys = journeys.filter(object_key=key)
        ids = list(journeys.values_list("pk", flat=True))
        reason = f"exit event {event.name}"
        exited = Enrollment.objects.filter(pk__in=ids, state=EnrollmentState.ACTIVE).update(
            state=EnrollmentState.EXITED, exit_reason=reason, due_at=None, ended_at=event.occurred_at,
        )
        count_exited(sequence.pk, reason, site_day(event.occurred_at), exited)
        ended += exited
        # Its emails still waiting (queued, or to be retried after an ESP error) go no more:
        # no cart reminder after the order. One being sent right now is past stopping.
        Message.objects.filter(enrollment_id__in=ids, enrollment__exit_reason=reason, status__in=SENDABLE).update(
            status=MessageStatus.SUPPRESSED, error=f"the journey ended: {reason}", sending_until=None,
        )
    if ended:
        logger.info("event %s (%s) ended %s journeys", event.pk, event.name, ended)
    return ended


def on_event_tracked(sender, event: Event, live: LiveSequences | None = None, **kwargs) -> None:
    exit_on_event(event, live)
