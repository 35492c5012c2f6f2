"""The public `track()` API: record one event and start the journeys it triggers."""
from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..exceptions import InvalidEvent
from ..models import Event
from ..models.bulk import insert_new
from ..signals import event_tracked
from .catalogue import check_event_name, validate_properties
from .contacts import contacts_for, identity

logger = logging.getLogger("drip_plugin.ingest")

@dataclass(frozen=True)
class PendingEvent:
    """One event as track() was given it, checked and not yet written."""

    name: str
    email: str | None
    user: Any
    properties: dict[str, Any]
    idempotency_key: str
    occurred_at: datetime | None


def track(event_name: str, **arguments: Any) -> Event:
    """Record `event_name` for the contact identified by `email` or `user`
    (the arguments are prepare()'s: email, user, properties, idempotency_key,
    occurred_at).

    Enrolls the contact in every live sequence the event triggers. Calling it
    again with the same `idempotency_key` returns the first event and changes
    nothing. Raises `drip_plugin.InvalidEvent` (a ValueError) on bad input;
    nothing is written then.
    """
    return record([prepare(event_name, **arguments)])[0]


def track_many(events: Iterable[Mapping[str, Any]]) -> list[Event]:
    """Record many events at once, each a dict of track()'s arguments
    (`event_name`, `email`, `user`, `properties`, `idempotency_key`,
    `occurred_at`), with the same effect as track() on each in turn, in a
    few queries whatever their number; returns their Events in order. Every
    event is checked first: one bad event raises InvalidEvent and nothing is
    written."""
    pending = []
    for position, arguments in enumerate(events):
        try:
            pending.append(prepare(**arguments))
        except TypeError as exc:  # an unknown or missing argument
            raise InvalidEvent(f"event {position}: {exc}") from None
        except InvalidEvent as exc:
            raise InvalidEvent(f"event {position}: {exc}") from None
    return record(pending)


def prepare(
    event_name: str,
    *,
    email: str | None = None,
    user=None,
    properties: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    occurred_at: datetime | None = None,
) -> PendingEvent:
    """track()'s arguments checked; raises InvalidEvent."""
    check_event_name(event_name)
    properties = plain_properties(properties)
    validate_properties(event_name, properties)
    if occurred_at is not None and not isinstance(occurred_at, datetime):
        raise InvalidEvent(f"occurred_at must be a datetime, not {type(occurred_at).__name__}")
    if occurred_at is not None and timezone.is_naive(occurred_at):
        raise InvalidEvent("occurred_at must be timezone-aware")
    if idempotency_key is not None and (not isinstance(idempotency_key, str) or not 0 < len(idempotency_key) <= 255):
        raise InvalidEvent("idempotency_key must be a string of 1 to 255 characters")
    user, email = identity(email=email, user=user)
    return PendingEvent(event_name, email, user, properties, idempotency_key or uuid.uuid4().hex, occurred_at)


def record(pending: list[PendingEvent]) -> list[Event]:
    """Write checked events and start what they trigger, in one transaction."""
    try:
        with transaction.atomic():
            return _record(pending)
    except IntegrityError:
        # Another worker created one of these users' contacts meanwhile: it exists now.
        logger.info("a contact was created concurrently; recording %s events again", len(pending))
    with transaction.atomic():
        return _record(pending)


def _record(pending: list[PendingEvent]) -> list[Event]:
    contacts = contacts_for([(item.email, item.user) for item in pending])
    # One contact's events are recorded in turns, one per wave, in the order
    # given: each wave sees the one before, as successive track() calls would.
    waves: list[list[int]] = []
    first_with_key: dict[str, int] = {}
    turns: dict[int, int] = defaultdict(int)
    for position, item in enumerate(pending):
        if item.idempotency_key in first_with_key:
            continue  # the same event twice in one batch: recorded once
        first_with_key[item.idempotency_key] = position
        turn = turns[contacts[position].pk]
        turns[contacts[position].pk] += 1
        if turn == len(waves):
            waves.append([])
        waves[turn].append(position)
    events: dict[str, Event] = {}
    live = None
    for wave in waves:
        now = timezone.now()
        fresh = [Event(name=pending[i].name, contact=contacts[i], properties=pending[i].properties,
                       occurred_at=pending[i].occurred_at or now, idempotency_key=pending[i].idempotency_key)
                 for i in wave]
        written = insert_new(fresh, key=lambda event: event.idempotency_key, key_columns=("idempotency_key",))
        new = [event for event in fresh if event.idempotency_key in written]
        # Recorded before (a webhook delivered again): the first event, and nothing else happens.
        events.update(Event.objects.in_bulk([e.idempotency_key for e in fresh if e.idempotency_key not in written],
                                            field_name="idempotency_key"))
        events.update((event.idempotency_key, event) for event in new)
        if not new:
            continue
        from ..engine.enrollment import LiveSequences, enroll_for_events

        live = live or LiveSequences({item.name for item in pending})
        for event in new:
            event_tracked.send(sender=Event, event=event, live=live)
        enroll_for_events(new, live)
        for event in new:
            logger.info("tracked %s for contact %s (event %s)", event.name, event.contact_id, event.pk)
    return [events[item.idempotency_key] for item in pending]


def plain_properties(properties: Any) -> dict[str, Any]:
    """Properties as the JSON they are stored as: Decimals and dates (what a
    Django host has) become strings; what JSON cannot hold is refused."""
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        raise InvalidEvent("properties must be a dict")
    try:
        text = json.dumps(properties, cls=DjangoJSONEncoder, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidEvent(f"properties must be JSON data: {exc}") from None
    plain = json.loads(text)
    if _has_nul(plain):  # PostgreSQL's jsonb refuses NUL characters
        raise InvalidEvent("properties must not contain NUL characters")
    return plain


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False
