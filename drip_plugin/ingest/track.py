"""The public `track()` API: record one event and start the journeys it triggers."""
from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..exceptions import InvalidEvent
from ..models import Event
from ..signals import event_tracked
from .catalogue import validate_properties
from .contacts import resolve_contact

logger = logging.getLogger("drip_plugin.ingest")

EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


def track(
    event_name: str,
    *,
    email: str | None = None,
    user=None,
    properties: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    """Record `event_name` for the contact identified by `email` or `user`.

    Enrolls the contact in every live sequence the event triggers. Calling it
    again with the same `idempotency_key` returns the first event and changes
    nothing. Raises `drip_plugin.InvalidEvent` (a ValueError) on bad input;
    nothing is written then.
    """
    if not isinstance(event_name, str) or not EVENT_NAME.match(event_name):
        raise InvalidEvent(f"event name {event_name!r} must be snake_case letters, digits and _")
    if properties is not None and not isinstance(properties, dict):
        raise InvalidEvent("properties must be a dict")
    validate_properties(event_name, properties or {})
    if occurred_at is not None and timezone.is_naive(occurred_at):
        raise InvalidEvent("occurred_at must be timezone-aware")
    if idempotency_key is not None and (not idempotency_key or len(idempotency_key) > 255):
        raise InvalidEvent("idempotency_key must be 1 to 255 characters")
    key = idempotency_key or uuid.uuid4().hex

    existing = Event.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            contact = resolve_contact(email=email, user=user)
            event = Event.objects.create(
                name=event_name,
                contact=contact,
                properties=properties or {},
                occurred_at=occurred_at or timezone.now(),
                idempotency_key=key,
            )
            event_tracked.send(sender=Event, event=event)
            from ..engine import enroll_for_event

            enroll_for_event(event)
    except IntegrityError:
        # A concurrent delivery of the same event won the race.
        existing = Event.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return existing
    logger.info("tracked %s for contact %s (event %s)", event_name, contact.pk, event.pk)
    return event
