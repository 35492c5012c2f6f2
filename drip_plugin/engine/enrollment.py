"""Starting journeys: which sequences an event enrolls a contact in, and how."""
from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..analytics.aggregates import count_entered
from ..analytics.send_time import NO_PREFERENCE, HourPreference, hour_preferences
from ..dates.zones import contact_zone
from ..models import Contact, Enrollment, Event, Sequence, Step
from ..models.bulk import insert_new
from ..models.enrollments import EnrollmentState
from ..models.sequences import Reentry, Timing
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


def _trigger_matches(sequence: Sequence, event: Event, index: ActivityIndex) -> tuple[bool, str]:
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
        due = step_due_at(first, event.occurred_at, facts, contact_zone(enrollment.contact),
                          preference=_learned_hour(first, enrollment.contact_id), windows=sequence.send_windows)
        if due is not None:
            # Only if it is still waiting for its first step: a tick may have
            # taken that step since this row was read, and timed the next one.
            journey.filter(state=EnrollmentState.ACTIVE, current_step=first, last_step_at__isnull=True).update(
                due_at=due)


class LiveSequences:
    """The live sequences some events start, end or reach the goal of, with their first steps:
    read once for a batch of events (two queries), never cached across calls,
    so a sequence published, changed or unpublished counts from the next event."""

    def __init__(self, event_names: set[str]):
        names = sorted(event_names)
        exits = Q()
        for name in names:
            exits |= Q(exit_events__contains=name)
        sequences = list(Sequence.objects.filter(Q(trigger_event__in=names) | Q(goal_event__in=names) | exits,
                                                 live=True).order_by("pk"))
        self.first_steps: dict[int, Step] = {}
        triggered = [sequence.pk for sequence in sequences if sequence.trigger_event in event_names]
        if triggered:
            for step in Step.objects.filter(sequence_id__in=triggered).order_by("sequence_id", "-sort_order", "-pk"):
                self.first_steps[step.sequence_id] = step  # the lowest comes last
        self.sequences = sequences

    def triggered_by(self, name: str) -> list[Sequence]:
        return [sequence for sequence in self.sequences if sequence.trigger_event == name]

    def exited_by(self, name: str) -> list[Sequence]:
        return [sequence for sequence in self.sequences if name in sequence.exit_event_names]

    def with_goal(self, name: str) -> list[Sequence]:
        return [sequence for sequence in self.sequences if sequence.goal_event == name]


def _ended_before_start(sequence: Sequence, candidates: list[tuple[Event, str]]) -> set[int]:
    """Ids of the events whose journey an exit event for this very object
    already ended (webhooks arrive out of order: the cart's order came first)."""
    exits = sequence.exit_event_names
    keyed = [(event, key) for event, key in candidates if key]
    if not exits or not keyed:
        return set()
    exit_times: dict[tuple[int, str], list[dt.datetime]] = defaultdict(list)
    rows = Event.objects.filter(contact_id__in={event.contact_id for event, _ in keyed}, name__in=exits,
                                occurred_at__gte=min(event.occurred_at for event, _ in keyed))
    for contact_id, properties, occurred_at in rows.values_list("contact_id", "properties", "occurred_at"):
        # As property_is() matches: hosts send ids as numbers or as strings.
        exit_times[contact_id, str(properties.get(sequence.journey_per, ""))].append(occurred_at)
    return {event.pk for event, key in keyed
            if any(at >= event.occurred_at for at in exit_times.get((event.contact_id, key), ()))}


def _blocked_by_reentry(sequence: Sequence, candidates: list[tuple[Event, str]]) -> set[int]:
    """Ids of the events whose contact may not start this sequence again yet."""
    if sequence.reentry == Reentry.ALWAYS or not candidates:
        return set()
    started: dict[tuple[int, str], list[dt.datetime]] = defaultdict(list)
    rows = Enrollment.objects.filter(sequence=sequence, contact_id__in={event.contact_id for event, _ in candidates})
    for contact_id, object_key, enrolled_at in rows.values_list("contact_id", "object_key", "enrolled_at"):
        started[contact_id, object_key].append(enrolled_at)
    if sequence.reentry == Reentry.ONCE:
        return {event.pk for event, key in candidates if started.get((event.contact_id, key))}
    window = dt.timedelta(days=sequence.reentry_days or 0)
    return {event.pk for event, key in candidates
            if any(at > event.occurred_at - window for at in started.get((event.contact_id, key), ()))}


def enroll_for_event(event: Event) -> list[Enrollment]:
    """Enroll the event's contact in every live sequence it triggers."""
    return enroll_for_events([event], LiveSequences({event.name}))


def enroll_for_events(events: list[Event], live: LiveSequences) -> list[Enrollment]:
    """Enroll each event's contact in every live sequence it triggers, as
    enroll_for_event() one by one would; the events must be of distinct
    contacts (one contact's events are enrolled in the order they happened,
    one call each). A constant number of queries per sequence, whatever the
    number of events."""
    started = []
    for sequence in {sequence.pk: sequence for event in events for sequence in live.triggered_by(event.name)}.values():
        first_step = live.first_steps.get(sequence.pk)
        candidates = []
        for event in events:
            if event.name != sequence.trigger_event:
                continue
            key = journey_key(sequence, event.properties)
            if key is None:
                logger.warning("event %s lacks %s, needed by sequence %r", event.pk, sequence.journey_per,
                               sequence.name)
            else:
                candidates.append((event, key))
        ended = _ended_before_start(sequence, candidates)
        index = ActivityIndex({event.contact_id for event, _ in candidates}, activity_names(sequence.trigger_filters),
                              None)
        matching = []
        for event, key in candidates:
            if event.pk in ended:
                logger.info("event %s: %r for %s already ended by an exit event", event.pk, sequence.name, key)
                continue
            matches, why = _trigger_matches(sequence, event, index)
            if not matches:
                logger.debug("event %s does not match %r's trigger filters: %s", event.pk, sequence.name, why)
                continue
            matching.append((event, key))
        if sequence.reentry == Reentry.ALWAYS:
            # The common case in one INSERT: a journey already running for
            # the object is what refuses a row (one active journey per object).
            begun = _insert_journeys(sequence, first_step, matching)
            running = _running_journeys(sequence, [(event, key) for event, key in matching
                                                   if (event.contact_id, key) not in begun])
        else:
            running = _running_journeys(sequence, matching)
            blocked = _blocked_by_reentry(sequence, matching)
            begun = _insert_journeys(sequence, first_step, [
                (event, key) for event, key in matching if (event.contact_id, key) not in running
                and event.pk not in blocked])
        for journey in running.values():
            _restart_wait(journey, journey.restarted_by)
        started += begun.values()
    return started


def _running_journeys(sequence: Sequence, candidates: list[tuple[Event, str]]) -> dict[tuple[int, str], Enrollment]:
    """The active journeys of these (event, object key)s, each with the event
    that triggered it again as `restarted_by`."""
    if not candidates:
        return {}
    wanted = {(event.contact_id, key): event for event, key in candidates}
    rows = Enrollment.objects.filter(sequence=sequence, state=EnrollmentState.ACTIVE,
                                     contact_id__in={event.contact_id for event, _ in candidates})
    running = {}
    for journey in rows.select_related("sequence", "trigger_event", "contact"):
        journey.restarted_by = wanted.get((journey.contact_id, journey.object_key))
        if journey.restarted_by is not None:
            running[journey.contact_id, journey.object_key] = journey
    return running


def _insert_journeys(sequence: Sequence, first_step: Step | None, candidates: list[tuple[Event, str]]
                     ) -> dict[tuple[int, str], Enrollment]:
    """Start the journeys of these (event, object key)s, by (contact id, object
    key); one that an active journey refuses (the one-active-journey
    constraint: begun before, or by a concurrent event) is left out."""
    learned = _learned_hours(first_step, {event.contact_id for event, _ in candidates})
    new = [_new_enrollment(event.contact, sequence, first_step, event=event, object_key=key,
                           preference=learned.get(event.contact_id, NO_PREFERENCE)) for event, key in candidates]
    new = [enrollment for enrollment in new if enrollment is not None]
    with transaction.atomic(savepoint=False):  # the journeys and their count in the report, together
        written = insert_new(new, key=lambda e: (e.contact_id, e.object_key), key_columns=("contact_id", "object_key"))
        begun = {(e.contact_id, e.object_key): e for e in new if (e.contact_id, e.object_key) in written}
        count_entered(sequence.pk, [e.enrolled_at for e in begun.values()])
    return begun


def _learned_hours(first_step: Step | None, contact_ids) -> dict[int, HourPreference]:
    """The contacts' learned hours, read (two queries) only for a best-time first step."""
    if first_step is None or first_step.timing != Timing.BEST_TIME:
        return {}
    return hour_preferences(contact_ids, timezone.now())


def _learned_hour(first_step: Step | None, contact_id: int) -> HourPreference:
    return _learned_hours(first_step, [contact_id]).get(contact_id, NO_PREFERENCE)


def _new_enrollment(contact: Contact, sequence: Sequence, first_step: Step | None, *, event: Event | None,
                    object_key: str, now: dt.datetime | None = None,
                    preference: HourPreference = NO_PREFERENCE) -> Enrollment | None:
    """The unsaved journey of `contact` on `sequence` from its first step; None
    without steps or when the first step's date is missing."""
    if first_step is None:
        return None
    start = event.occurred_at if event is not None else (now or timezone.now())
    facts = Facts(contact=contact_facts(contact), event=event.properties if event else {}, now=start)
    due = step_due_at(first_step, start, facts, contact_zone(contact), preference=preference,
                      windows=sequence.send_windows)
    if due is None:
        logger.info("%s not enrolled in %r: %s is not set", contact, sequence.name, first_step.date_field)
        return None
    return Enrollment(contact=contact, sequence=sequence, object_key=object_key, trigger_event=event,
                      current_step=first_step, due_at=due, enrolled_at=start,
                      holdout=is_holdout(contact.pk, sequence, object_key))


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
    active = Enrollment.objects.filter(
        contact=contact, sequence=sequence, object_key=object_key, state=EnrollmentState.ACTIVE
    )
    if active.exists():
        return None
    first_step = sequence.steps.order_by("sort_order", "pk").first()
    enrollment = _new_enrollment(contact, sequence, first_step, event=event, object_key=object_key, now=now,
                                 preference=_learned_hour(first_step, contact.pk))
    if enrollment is not None:
        with transaction.atomic(savepoint=False):  # the journey and its count in the report, together
            enrollment.save()
            count_entered(sequence.pk, [enrollment.enrolled_at])
    return enrollment
