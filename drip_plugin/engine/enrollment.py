"""Starting journeys: which sequences an event enrolls a contact in, and how."""
from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from ..dates.zones import contact_zone
from ..models import Contact, Enrollment, Event, Sequence
from ..models.enrollments import EnrollmentState
from ..models.events import property_is
from ..models.sequences import Reentry
from .conditions import Facts, activity_names, evaluate
from .facts import ActivityIndex, contact_facts
from .timing import step_due_at
from .variants import is_holdout

logger = logging.getLogger("drip_plugin.engine")


def journey_key(sequence: Sequence, properties: dict) -> str | None:
    """The object this event's journey is about; "" per contact, None if missing."""
    if not sequence.journey_per:
        return ""
    value = properties.get(sequence.journey_per)
    return None if value in (None, "") else str(value)


def _trigger_matches(sequence: Sequence, event: Event) -> tuple[bool, str]:
    names = activity_names(sequence.trigger_filters)
    index = ActivityIndex([event.contact_id], names, None)

    key = journey_key(sequence, event.properties)

    def about_this_object(properties: dict) -> bool:
        return not sequence.journey_per or str(properties.get(sequence.journey_per, "")) == key

    def happened(name, since, same_object):
        return any(
            n == name and (since is None or at >= since) and not (n == event.name and at == event.occurred_at)
            and (not same_object or about_this_object(properties))
            for n, at, properties in index.events[event.contact_id]
        )

    facts = Facts(contact=contact_facts(event.contact), event=event.properties, now=event.occurred_at,
                  activity=happened, entered_at=event.occurred_at)
    return evaluate(sequence.trigger_filters, facts)


def _restart_wait(enrollment: Enrollment, event: Event) -> None:
    """A repeated trigger for the same object: show the newest data and, while
    nothing was sent yet and within the restart window, time from this event."""
    sequence = enrollment.sequence
    previous = enrollment.trigger_event
    if previous is not None and event.occurred_at < previous.occurred_at:
        return  # an older update arriving late (webhooks are unordered) changes nothing
    journey = Enrollment.objects.filter(pk=enrollment.pk)
    journey.update(trigger_event=event)
    first = sequence.steps.order_by("sort_order", "pk").first()
    window = dt.timedelta(minutes=sequence.debounce_minutes)
    if (
        sequence.debounce_minutes
        and first is not None
        and enrollment.current_step_id == first.pk
        and enrollment.last_step_at is None
        and (previous is None or event.occurred_at - previous.occurred_at <= window)
    ):
        facts = Facts(contact=contact_facts(enrollment.contact), event=event.properties, now=event.occurred_at)
        due = step_due_at(first, event.occurred_at, facts, contact_zone(enrollment.contact))
        if due is not None:
            # Only if it is still waiting for its first step: a tick may have
            # taken that step since this row was read, and timed the next one.
            journey.filter(state=EnrollmentState.ACTIVE, current_step=first, last_step_at__isnull=True).update(
                due_at=due)


def _already_ended(sequence: Sequence, event: Event, key: str) -> bool:
    """An exit event for this very object came first (webhooks arrive out of
    order): the journey is over before it started, e.g. the cart's order."""
    exits = sequence.exit_event_names
    if not key or not exits:
        return False
    return Event.objects.filter(property_is(sequence.journey_per, key), contact=event.contact, name__in=exits,
                                occurred_at__gte=event.occurred_at).exists()


def enroll_for_event(event: Event) -> list[Enrollment]:
    """Enroll the event's contact in every live sequence it triggers."""
    started = []
    for sequence in Sequence.objects.filter(live=True, trigger_event=event.name):
        key = journey_key(sequence, event.properties)
        if key is None:
            logger.warning("event %s lacks %s, needed by sequence %r", event.pk, sequence.journey_per, sequence.name)
            continue
        if _already_ended(sequence, event, key):
            logger.info("event %s: %r for %s already ended by an exit event", event.pk, sequence.name, key)
            continue
        matches, why = _trigger_matches(sequence, event)
        if not matches:
            logger.debug("event %s does not match %r's trigger filters: %s", event.pk, sequence.name, why)
            continue
        journeys = Enrollment.objects.filter(contact=event.contact, sequence=sequence, object_key=key)
        running = journeys.filter(state=EnrollmentState.ACTIVE).select_related("sequence", "trigger_event").first()
        if running is not None:
            _restart_wait(running, event)
            continue
        if sequence.reentry == Reentry.ONCE and journeys.exists():
            continue
        if sequence.reentry == Reentry.PER_DAYS and journeys.filter(
            enrolled_at__gt=event.occurred_at - dt.timedelta(days=sequence.reentry_days or 0)
        ).exists():
            continue
        enrollment = enroll(event.contact, sequence, event=event, object_key=key)
        if enrollment is not None:
            started.append(enrollment)
    return started


def enroll(
    contact: Contact,
    sequence: Sequence,
    *,
    event: Event | None = None,
    object_key: str = "",
    now: dt.datetime | None = None,
) -> Enrollment | None:
    """Start `contact` on `sequence`; None if it has no steps, the contact is
    already on an active journey of it for the same object, or the first
    step's date is missing.

    The first step is timed from when the triggering event happened, not from
    when we heard of it, so a late webhook does not shift the schedule.
    """
    first_step = sequence.steps.order_by("sort_order", "pk").first()
    if first_step is None:
        return None
    active = Enrollment.objects.filter(
        contact=contact, sequence=sequence, object_key=object_key, state=EnrollmentState.ACTIVE
    )
    if active.exists():
        return None
    start = event.occurred_at if event is not None else (now or timezone.now())
    facts = Facts(contact=contact_facts(contact), event=event.properties if event else {}, now=start)
    due = step_due_at(first_step, start, facts, contact_zone(contact))
    if due is None:
        logger.info("%s not enrolled in %r: %s is not set", contact, sequence.name, first_step.date_field)
        return None
    return Enrollment.objects.create(
        contact=contact,
        sequence=sequence,
        object_key=object_key,
        trigger_event=event,
        current_step=first_step,
        due_at=due,
        enrolled_at=start,
        holdout=is_holdout(contact.pk, sequence, object_key),
    )
