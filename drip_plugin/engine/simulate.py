"""Dry runs: what the engine would send, and when, for an event stream.

The real engine runs with an explicit clock inside a transaction that is
always rolled back, so a simulation writes and sends nothing.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Min

from ..models import Enrollment, Message
from ..rendering.context import merge_context
from ..rendering.sandbox import render_template
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


class _Rollback(Exception):
    pass


def _sends(at: dt.datetime) -> list[TimelineEntry]:
    entries = []
    queued = Message.objects.filter(status="queued").select_related(
        "step__email", "enrollment__sequence", "enrollment__contact", "enrollment__trigger_event"
    )
    for message in queued:
        enrollment = message.enrollment
        event = enrollment.trigger_event
        subject = render_template(
            message.step.email.subject, merge_context(enrollment.contact, event_properties=event.properties if event else None)
        )
        entries.append(TimelineEntry(at, message.to_email, f"email “{subject}” ({enrollment.sequence.name}, step {message.step})"))
    queued.delete()
    return entries


def _endings(since_ids: set[int]) -> list[TimelineEntry]:
    ended = Enrollment.objects.exclude(state="active").exclude(pk__in=since_ids).select_related("contact", "sequence")
    return [
        TimelineEntry(e.ended_at, e.contact.email, f"{e.state} {e.sequence.name}" + (f": {e.exit_reason}" if e.exit_reason else ""))
        for e in ended
    ]


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
                    track(event.name, email=event.email, properties=event.properties, occurred_at=event.at)
                    timeline.append(TimelineEntry(now, event.email, f"event {event.name}"))
                else:
                    advance_due_enrollments(now, 500)
                    timeline.extend(_sends(now))
                endings = _endings(reported)
                reported |= {e.pk for e in Enrollment.objects.exclude(state="active")}
                timeline.extend(endings)
            raise _Rollback
    except _Rollback:
        pass
    return timeline
