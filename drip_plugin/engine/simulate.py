"""Dry runs: what the engine would send, and when, for an event stream.

The real engine runs with an explicit clock inside a transaction that is
always rolled back, so a simulation writes and sends nothing.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Max, Min
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from ..analytics.send_time import HourPreference, Source, hour_preferences
from ..conf import drip_settings
from ..dates.zones import contact_zone
from ..models import Contact, Enrollment, Message
from ..models.sequences import Timing
from ..recommendations.learn import learn_new_events
from ..recommendations.strategies import LABELS
from ..rendering import TemplateProblem
from ..rendering.messages import RenderContext, render_message
from .progress import advance_due_enrollments


@dataclass(frozen=True)
class SimulatedEvent:
    at: dt.datetime
    name: str
    email: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    email: str
    what: str

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M %Z}  {self.email}  {self.what}"


def _moment(value, where: str) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    if moment is None:
        raise ValueError(f"{where}: {value!r} is not a date-time (use ISO 8601, e.g. 2026-03-02T09:00:00Z)")
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse_event_stream(text: str, *, default_email: str | None, source: str = "events") -> list[SimulatedEvent]:
    """A YAML list of {at, event, email, properties}; ValueError says where it is wrong."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{source}: {exc}") from None
    if not isinstance(data, list):
        raise ValueError(f"{source}: expected a list of events")
    events = []
    for index, item in enumerate(data):
        where = f"{source}: [{index}]"
        if not isinstance(item, dict) or "event" not in item or "at" not in item:
            raise ValueError(f"{where}: each event needs `at` and `event`")
        email = item.get("email") or default_email
        if not email:
            raise ValueError(f"{where}: no `email` and no default email given")
        events.append(SimulatedEvent(_moment(item["at"], f"{where}.at"), item["event"], email, item.get("properties") or {}))
    return events


class _Rollback(Exception):
    pass


def whose_hour(preference: HourPreference) -> str:
    """Which hour best-time steps aim at for a contact, and why that one."""
    facts = {"best": f"{preference.best_hour or 0:02d}:00", "weight": f"{preference.weight:.1f}",
             "own": f"{preference.own_weight:.1f}", "needed": drip_settings.SEND_TIME_MIN_EVENTS}
    if preference.source == Source.CONTACT:
        return gettext("the contact's learned hour, %(best)s (from %(weight)s opens and clicks)") % facts
    if preference.source == Source.POPULATION:
        return gettext("everyone's hour, %(best)s (the contact has %(own)s of the %(needed)s opens and clicks "
                       "needed for their own)") % facts
    return gettext("no hour yet (the contact has %(own)s of the %(needed)s opens and clicks needed, everyone "
                   "too): as soon as the send windows allow") % facts


def best_time_reason(contact: Contact, preference: HourPreference, at: dt.datetime) -> str:
    """Why a best-time step of `contact` goes at `at`."""
    zone = contact_zone(contact)
    local = at.astimezone(zone)
    reason = gettext("best time %(time)s %(zone)s: %(whose)s") % {
        "time": f"{local:%H:%M}", "zone": zone, "whose": whose_hour(preference)}
    if preference.best_hour is not None and local.hour != preference.best_hour:
        reason += gettext("; sent at the best hour the send windows, the cap and the step's hours allow")
    return reason


def best_time_of(email: str, now: dt.datetime) -> str | None:
    """What best-time steps aim at for the contact with this address (None: no such contact)."""
    contact = Contact.objects.filter(email=email.lower()).first()
    if contact is None:
        return None
    return gettext("Best time steps for %(email)s aim at %(whose)s, in %(zone)s.") % {
        "email": contact.email, "whose": whose_hour(hour_preferences([contact.pk], now)[contact.pk]),
        "zone": contact_zone(contact)}


def _sends(at: dt.datetime) -> list[TimelineEntry]:
    entries = []
    queued = list(Message.objects.filter(status="queued").select_related(
        "step__email", "enrollment__sequence", "enrollment__contact", "enrollment__trigger_event")
        .prefetch_related("step__variants__email"))
    context = RenderContext(queued)
    learned = hour_preferences({m.enrollment.contact_id for m in queued
                                if m.step and m.step.timing == Timing.BEST_TIME}, at)
    for message in queued:
        where = gettext("(%(sequence)s, step %(step)s)") % {"sequence": message.enrollment.sequence.name,
                                                            "step": message.step}
        if message.variant:
            where = gettext("(%(sequence)s, step %(step)s, variant %(variant)s)") % {
                "sequence": message.enrollment.sequence.name, "step": message.step, "variant": message.variant}
        if message.enrollment.contact_id in learned:
            where += " — " + best_time_reason(message.enrollment.contact, learned[message.enrollment.contact_id], at)
        try:
            email, _, rendered = render_message(message, context)  # as sending renders it: its variant, language
        except TemplateProblem as exc:
            entries.append(TimelineEntry(at, message.to_email, gettext("email fails %(where)s: %(problem)s")
                                         % {"where": where, "problem": exc}))
        else:
            entries.append(TimelineEntry(at, message.to_email, gettext("email “%(subject)s” %(where)s")
                                         % {"subject": rendered.subject, "where": where}))
            entries.extend(
                TimelineEntry(at, message.to_email, gettext("products shown (%(strategy)s): %(names)s") % {
                    "strategy": LABELS[strategy], "names": ", ".join(p["name"] for p in products) or gettext("none")})
                for strategy, products in context.products_shown(message, email))
    Message.objects.filter(pk__in=[m.pk for m in queued]).delete()
    return entries


def _endings(since_ids: set[int]) -> list[TimelineEntry]:
    ended = Enrollment.objects.exclude(state="active").exclude(pk__in=since_ids).select_related("contact", "sequence")
    return [
        TimelineEntry(e.ended_at, e.contact.email, f"{e.get_state_display()} {e.sequence.name}"
                      + (f": {e.exit_reason}" if e.exit_reason else ""))
        for e in ended
    ]


def _held_out(enrollments) -> list[TimelineEntry]:
    return [TimelineEntry(e.enrolled_at, e.contact.email, f"held out of {e.sequence.name}: enrolled, sent nothing "
                                                          f"(the sequence's holdout group)")
            for e in enrollments.filter(holdout=True).select_related("contact", "sequence")]


def simulate(events: Iterable[SimulatedEvent], *, until: dt.datetime) -> list[TimelineEntry]:
    """Feed `events` in time order, run every due step up to `until`, return the timeline."""
    from ..ingest import track

    pending = sorted(events, key=lambda e: e.at)
    timeline: list[TimelineEntry] = []
    try:
        with transaction.atomic():
            reported = set(Enrollment.objects.exclude(state="active").values_list("pk", flat=True))
            while True:
                next_due = Enrollment.objects.aggregate(first=Min("due_at"))["first"]
                next_event = pending[0].at if pending else None
                moments = [m for m in (next_due, next_event) if m is not None and m <= until]
                if not moments:
                    break
                now = min(moments)
                if next_event == now:
                    event = pending.pop(0)
                    started = Enrollment.objects.filter(pk__gt=Enrollment.objects.aggregate(last=Max("pk"))["last"] or 0)
                    track(event.name, email=event.email, properties=event.properties, occurred_at=event.at)
                    timeline.append(TimelineEntry(now, event.email, gettext("event %(name)s") % {"name": event.name}))
                    timeline.extend(_held_out(started))
                else:
                    learn_new_events()  # what the events so far teach the products the emails show
                    advance_due_enrollments(now, 500)
                    timeline.extend(_sends(now))
                endings = _endings(reported)
                reported |= {e.pk for e in Enrollment.objects.exclude(state="active")}
                timeline.extend(endings)
            raise _Rollback
    except _Rollback:
        pass
    return timeline


def simulate_for(stream: list[SimulatedEvent], *, email: str | None, days: int) -> list[TimelineEntry]:
    """The timeline over `days` from the first event (or now): of the event
    stream, or — with no stream — of `email`'s current journeys only."""
    from django.utils import timezone

    start = stream[0].at if stream else timezone.now()
    timeline = simulate(stream, until=start + dt.timedelta(days=days))
    if email and not stream:
        held = _held_out(Enrollment.objects.filter(contact__email=email.lower(), state="active"))
        timeline = held + [entry for entry in timeline if entry.email == email.lower()]
    return timeline
