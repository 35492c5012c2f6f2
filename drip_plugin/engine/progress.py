"""Taking due steps: a batch of due enrollments, each moved one step on.

One short transaction per batch with a constant number of queries (claim,
steps, activity, caps, messages, one UPDATE per distinct transition), so a
tick's cost follows the due rows, not the size of the tables.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F

from ..analytics.aggregates import count_exited, site_day
from ..channels.base import Channel, Reach
from ..channels.registry import channel_for_step, channel_named, channels
from ..dates.zones import contact_zone
from ..models import Contact, Enrollment, Message, Step
from ..models.enrollments import EnrollmentState
from ..models.messages import EMAIL, MessageStatus
from ..models.sequences import CapAction, StepKind, Timing
from .caps import CapLedger
from .conditions import activity_names, evaluate, lookback_days
from .facts import ActivityIndex, enrollment_facts
from .timing import step_due_at
from .variants import choose_variant

logger = logging.getLogger("drip_plugin.engine")
ENDED = (EnrollmentState.COMPLETED, EnrollmentState.EXITED)


def _claim_due(now: dt.datetime, limit: int) -> list[Enrollment]:
    qs = (
        Enrollment.objects.filter(due_at__lte=now)
        .order_by("due_at", "pk")
        .select_related("contact", "current_step", "sequence", "trigger_event")
    )
    if connection.features.has_select_for_update_skip_locked:
        # Concurrent ticks each take different rows instead of waiting.
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs[:limit])


@dataclass
class Batch:
    now: dt.datetime
    steps: dict[int, list[Step]]
    activity: ActivityIndex
    caps: CapLedger
    contacts: list[Contact]
    reaches: dict[str, dict[int, Reach]] = field(default_factory=dict)

    def reach(self, channel: Channel, contact: Contact) -> Reach:
        """The contact's reach on `channel`, asked once per channel for the whole batch."""
        if channel.name not in self.reaches:
            self.reaches[channel.name] = channel.reach(self.contacts)
        return self.reaches[channel.name][contact.pk]

    def route(self, step: Step, contact: Contact) -> tuple[Channel, Reach]:
        """The channel `step` goes out on for `contact` and where to: its own,
        else its fallback channel when the contact can get it there; else its
        own with the refusal."""
        own = channel_for_step(step)
        reach = self.reach(own, contact)
        if reach.reachable or not step.fallback:
            return own, reach
        fallback = channel_named(step.fallback)
        if fallback is not None and fallback.has_content(step) and self.reach(fallback, contact).reachable:
            return fallback, self.reach(fallback, contact)
        return own, reach

    @classmethod
    def load(cls, due: list[Enrollment], now: dt.datetime) -> Batch:
        steps: dict[int, list[Step]] = defaultdict(list)
        for step in (Step.objects.filter(sequence_id__in={e.sequence_id for e in due}).order_by("sort_order", "pk")
                     .prefetch_related("variants", "experiment_decisions")):
            steps[step.sequence_id].append(step)
        names: set[str] = set()
        lookback = 0
        for enrollment in due:
            conditions = [*enrollment.sequence.flow_filters,
                          *(enrollment.current_step.condition if enrollment.current_step else [])]
            names |= activity_names(conditions)
            lookback = max(lookback, lookback_days(conditions))
        # Activity since the earliest journey began, or further back for "in the last N days".
        earliest = min([e.enrolled_at for e in due] + [now - dt.timedelta(days=lookback)])
        capped = [e.contact_id for e in due if not e.sequence.transactional]
        longest = max([cap[1] for c in channels() if (cap := c.frequency_cap())]
                      + [e.sequence.cap_days or 0 for e in due])
        return cls(
            now=now,
            steps=steps,
            activity=ActivityIndex({e.contact_id for e in due}, names, earliest),
            caps=CapLedger(capped, now, longest),
            contacts=list({e.contact_id: e.contact for e in due}.values()),
        )


def _end(enrollment: Enrollment, state: str, reason: str, now: dt.datetime) -> None:
    enrollment.end(state, reason, now)
    enrollment.current_step = None


def _move_to(enrollment: Enrollment, step: Step | None, anchor: dt.datetime, facts, zone) -> None:
    if step is None:
        _end(enrollment, EnrollmentState.COMPLETED, "", anchor)
        return
    due = step_due_at(step, anchor, facts, zone)
    if due is None:
        _end(enrollment, EnrollmentState.EXITED, f"{step.date_field} is not set", anchor)
        return
    enrollment.current_step = step
    enrollment.due_at = due


def _message(enrollment, step, channel: Channel, reach: Reach, now) -> Message:
    if channel.name == EMAIL:
        return Message(enrollment=enrollment, step=step, to_email=reach.address, send_after=now,
                       variant=choose_variant(enrollment.pk, step))
    return Message(enrollment=enrollment, step=step, channel=channel.name, to_email="", address=reach.address,
                   send_after=now)


def _unreachable(enrollment, step, channel: Channel, reach: Reach, now) -> Message:
    """The record of a step skipped because the contact cannot get it (its
    documented fallback: skip): never sent, shown on the contact's timeline."""
    return Message(enrollment=enrollment, step=step, channel=channel.name, to_email="", send_after=now,
                   subject=f"{channel.label} · {step}"[:255], status=MessageStatus.SUPPRESSED,
                   error=f"not sent: {reach.refusal}")


def take_step(enrollment: Enrollment, batch: Batch) -> Message | None:
    """Take `enrollment`'s due step; return the Message to queue, if any."""
    now = batch.now
    contact, sequence = enrollment.contact, enrollment.sequence
    steps = batch.steps[enrollment.sequence_id]
    # The batch's instance: its variants and experiment decision are prefetched.
    step = next((s for s in steps if s.pk == enrollment.current_step_id), None)
    if step is None:
        _end(enrollment, EnrollmentState.COMPLETED, "its step was removed from the sequence", now)
        return None
    if not contact.is_subscribed and not sequence.transactional:
        _end(enrollment, EnrollmentState.EXITED, "contact unsubscribed", now)
        return None
    facts = enrollment_facts(enrollment, now, batch.activity)
    zone = contact_zone(contact)
    following = next((s for s in steps if (s.sort_order, s.pk) > (step.sort_order, step.pk)), None)
    message = None

    if channel_for_step(step) is not None:  # a step that sends: email, SMS, …
        matches, why = evaluate(sequence.flow_filters, facts)
        if not matches:
            _end(enrollment, EnrollmentState.EXITED, f"flow filter no longer matches: {why}", now)
            return None
        channel, reach = batch.route(step, contact)
        opening = channel.next_send_time(now, sequence, zone)
        if enrollment.holdout:
            pass  # the journey goes on, at the same pace, without the message
        elif not reach.reachable:
            logger.info("enrollment %s: step %s skipped: %s", enrollment.pk, step.pk, reach.refusal)
            message = _unreachable(enrollment, step, channel, reach, now)
        elif opening > now:
            enrollment.due_at = opening  # same step, at the window's opening (or quiet hours' end)
            return None
        elif not sequence.transactional:
            later = batch.caps.next_allowed(contact.pk, sequence, now, channel)
            if later is not None and sequence.cap_action == CapAction.DEFER:
                enrollment.due_at = channel.next_send_time(later, sequence, zone)
                return None
            if later is not None:
                logger.info("enrollment %s: step %s skipped by frequency cap", enrollment.pk, step.pk)
            else:
                batch.caps.record(contact.pk, sequence.pk, now, channel)
                message = _message(enrollment, step, channel, reach, now)
        else:
            message = _message(enrollment, step, channel, reach, now)
    elif step.kind == StepKind.BRANCH:
        holds, _ = evaluate(step.condition, facts)
        if not holds:
            target = next((s for s in steps if step.if_false_goto and s.label == step.if_false_goto), None)
            enrollment.last_step_at = now
            if target is None:
                _end(enrollment, EnrollmentState.COMPLETED, "branch condition false", now)
                return None
            # Timed from when the branch was due, as the true path is: a late tick shifts neither.
            _move_to(enrollment, target, enrollment.due_at or now, facts, zone)
            return None
    elif step.kind == StepKind.UPDATE:
        # Rare, so one query each is fine; F() would not reach inside JSON portably.
        contact.attributes = {**(contact.attributes or {}), step.attribute_name: step.attribute_value}
        contact.save(update_fields=["attributes", "updated_at"])
    elif step.kind == StepKind.EXIT:
        _end(enrollment, EnrollmentState.EXITED, f"exit step {step}", now)
        return None

    enrollment.last_step_at = now
    # Anchored on when this step was due, not on when the tick ran, so a late
    # tick does not push later steps back.
    _move_to(enrollment, following, enrollment.due_at or now, facts, zone)
    return message


def _save(due: list[Enrollment], previous_due: dict[int, dt.datetime]) -> None:
    """One UPDATE per distinct transition instead of a CASE per row."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for e in due:
        step = e.current_step
        fixed_delay = step is not None and step.timing == Timing.DELAY and e.state not in ENDED
        shift = e.due_at - previous_due[e.pk] if fixed_delay and e.due_at is not None else None
        due_key = ("shift", shift) if shift is not None and shift == step.delay else ("set", e.due_at)
        # A journey that completes ends when its last step was due: each its own
        # time, but one UPDATE for all of them (SET sees the row's old due_at).
        ended_key = ("due",) if e.ended_at is not None and e.ended_at == previous_due[e.pk] else ("set", e.ended_at)
        key = (e.state, e.current_step_id, e.exit_reason, ended_key, e.last_step_at, due_key)
        groups[key].append(e.pk)
    for (state, step_id, reason, ended_key, last_step_at, (mode, value)), ids in groups.items():
        due_at = F("due_at") + value if mode == "shift" else value
        Enrollment.objects.filter(pk__in=ids).update(
            state=state, current_step_id=step_id, exit_reason=reason,
            ended_at=F("due_at") if ended_key == ("due",) else ended_key[1],
            last_step_at=last_step_at, due_at=due_at,
        )


def advance_due_enrollments(now: dt.datetime, limit: int) -> int:
    """Take the due step of up to `limit` enrollments; return how many."""
    with transaction.atomic():
        due = _claim_due(now, limit)
        if not due:
            return 0
        previous_due = {e.pk: e.due_at for e in due}
        batch = Batch.load(due, now)
        messages = [m for m in (take_step(e, batch) for e in due) if m is not None]
        # ignore_conflicts: the (enrollment, step) unique constraint turns a
        # second queueing of the same step into a no-op.
        Message.objects.bulk_create(messages, ignore_conflicts=True)
        _save(due, previous_due)
        exits = Counter((e.sequence_id, e.exit_reason, site_day(e.ended_at))
                        for e in due if e.state == EnrollmentState.EXITED)
        for (sequence_id, reason, day), count in exits.items():
            count_exited(sequence_id, reason, day, count)
        return len(due)
