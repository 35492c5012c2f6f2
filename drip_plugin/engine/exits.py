"""Exit and goal events: an event listed by a sequence as an exit ends
matching journeys at once; its goal event marks them converted (and ends them
when the sequence says so)."""
from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from ..analytics.aggregates import count_exited, site_day
from ..conf import drip_settings
from ..models import Enrollment, Event, Message, Sequence
from ..models.enrollments import EnrollmentState
from ..models.messages import SENDABLE, MessageStatus
from .enrollment import LiveSequences, journey_key

logger = logging.getLogger("drip_plugin.engine")

CLOCK_SKEW = dt.timedelta(minutes=10)


def _journeys(sequence: Sequence, event: Event):
    """The contact's journeys in `sequence` that `event` is about, or None.

    Only journeys begun before it happened: an old event delivered late must
    not end a newer journey. CLOCK_SKEW: the cart's events may come from the
    host's clock and its order's from Saleor's."""
    journeys = Enrollment.objects.filter(contact_id=event.contact_id, sequence=sequence,
                                         enrolled_at__lte=event.occurred_at + CLOCK_SKEW)
    if sequence.journey_per:
        key = journey_key(sequence, event.properties)
        if key is None:
            return None  # an order without a checkout id ends no cart journey
        journeys = journeys.filter(object_key=key)
    return journeys


def _end_journeys(sequence: Sequence, ids: list[int], reason: str, at: dt.datetime) -> int:
    ended = Enrollment.objects.filter(pk__in=ids, state=EnrollmentState.ACTIVE).update(
        state=EnrollmentState.EXITED, exit_reason=reason, due_at=None, ended_at=at,
    )
    count_exited(sequence.pk, reason, site_day(at), ended)
    # Its emails still waiting (queued, or to be retried after an ESP error) go no more:
    # no cart reminder after the order. One being sent right now is past stopping.
    Message.objects.filter(enrollment_id__in=ids, enrollment__exit_reason=reason, status__in=SENDABLE).update(
        status=MessageStatus.SUPPRESSED, error=f"the journey ended: {reason}", sending_until=None,
    )
    return ended


def exit_on_event(event: Event, live: LiveSequences | None = None) -> int:
    """End the contact's active journeys whose sequence exits on `event`; return
    how many. `live`: the live sequences, when the caller has read them already."""
    ended = 0
    for sequence in (live or LiveSequences({event.name})).exited_by(event.name):
        journeys = _journeys(sequence, event)
        if journeys is not None:
            ids = list(journeys.filter(state=EnrollmentState.ACTIVE).values_list("pk", flat=True))
            ended += _end_journeys(sequence, ids, f"exit event {event.name}", event.occurred_at)
    if ended:
        logger.info("event %s (%s) ended %s journeys", event.pk, event.name, ended)
    return ended


def goal_value(event: Event) -> dict:
    """The goal's order total and its currency (0 and "" when it has none or
    it is not an amount), as Enrollment fields."""
    from ..analytics.conversions import order_currency, order_total

    order = event.properties.get("order") or {}
    total = order_total(event, order) or Decimal(0)
    return {"goal_value": total, "goal_currency": order_currency(order) if total else ""}


def reach_goal(event: Event, live: LiveSequences | None = None) -> int:
    """Mark the contact's journeys whose sequence has `event` as its goal
    (held out or not, running or over within GOAL_WINDOW_DAYS); end the running
    ones if the sequence says so. Returns how many reached it."""
    reached = 0
    window = dt.timedelta(days=drip_settings.GOAL_WINDOW_DAYS)
    for sequence in (live or LiveSequences({event.name})).with_goal(event.name):
        journeys = _journeys(sequence, event)
        if journeys is None:
            continue
        ids = list(journeys.filter(goal_reached_at__isnull=True, enrolled_at__gte=event.occurred_at - window)
                   .values_list("pk", flat=True))
        reached += Enrollment.objects.filter(pk__in=ids, goal_reached_at__isnull=True).update(
            goal_reached_at=event.occurred_at, **goal_value(event))
        if sequence.goal_ends_journey:
            _end_journeys(sequence, ids, f"goal {event.name} reached", event.occurred_at)
    if reached:
        logger.info("event %s (%s): goal reached by %s journeys", event.pk, event.name, reached)
    return reached


def on_event_tracked(sender, event: Event, live: LiveSequences | None = None, **kwargs) -> None:
    live = live or LiveSequences({event.name})
    exit_on_event(event, live)
    reach_goal(event, live)
