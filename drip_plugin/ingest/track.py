"""The public `track()` API: record one event and start the journeys it triggers."""
from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..exceptions import InvalidEvent
from ..models import Event
from ..signals import event_tracked
from .catalogue import check_event_name, validate_properties
from .contacts import resolve_contact

logger = logging.getLogger("drip_plugin.ingest")

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
    check_event_name(event_name)
    properties = plain_properties(properties)
    validate_properties(event_name, properties)
    if occurred_at is not None and not isinstance(occurred_at, datetime):
        raise InvalidEvent(f"occurred_at must be a datetime, not {type(occurred_at).__name__}")
    if occurred_at is not None and timezone.is_naive(occurred_at):
        raise InvalidEvent("occurred_at must be timezone-aware")
    if idempotency_key is not None and (not isinstance(idempotency_key, str) or not 0 < len(idempotency_key) <= 255):
        raise InvalidEvent("idempotency_key must be a string of 1 to 255 characters")
    key = idempotency_key or uuid.uuid4().hex

    existing = Event.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                contact = resolve_contact(email=email, user=user)
                event = Event.objects.create(
                    name=event_name,
                    contact=contact,
                    properties=properties,
                    occurred_at=occurred_at or timezone.now(),
                    idempotency_key=key,
                )
                event_tracked.send(sender=Event, event=event)
                from ..engine import enroll_for_event

                enroll_for_event(event)
            break
        except IntegrityError:
            existing = Event.objects.filter(idempotency_key=key).first()
            if existing is not None:  # a concurrent delivery of the same event won the race
                return existing
            if attempt == 2:
                raise
            # Another worker created this new contact meanwhile: it exists now.
            logger.info("contact for %s created concurrently; tracking %s again", email or user, event_name)
    logger.info("tracked %s for contact %s (event %s)", event_name, contact.pk, event.pk)
    return event


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
