"""Generic host mapping: any Django signal or model save of the host → an event.

Configured in settings, so a host adds cart and order hooks without touching
plugin code::

    DRIP_PLUGIN = {"EVENT_MAPPINGS": [
        {"model": "shop.Order", "mapper": "shop.drip.order_event"},
        {"signal": "shop.signals.cart_changed", "mapper": "shop.drip.cart_event"},
    ]}

A mapper receives the signal's keyword arguments (``sender``, and for a model
save ``instance`` and ``created``) and returns a ``HostEvent``, a list of them,
or None when the change means nothing to drip campaigns.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import Signal
from django.utils.module_loading import import_string

from ..conf import drip_settings
from ..exceptions import InvalidEvent

logger = logging.getLogger("drip_plugin.integrations")


@dataclass(frozen=True)
class HostEvent:
    """What a mapper returns: the arguments of one `track()` call, and what
    the host knows about the contact (as for `identify()`: None leaves a
    field as it is, a None attribute removes it), applied before the event."""

    name: str
    email: str | None = None
    user: Any = None
    properties: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None
    occurred_at: datetime | None = None
    attributes: dict[str, Any] | None = None
    first_name: str | None = None
    last_name: str | None = None
    time_zone: str | None = None
    locale: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Mapping:
    mapper: Callable[..., HostEvent | Iterable[HostEvent] | None]
    signal: Signal
    sender: Any = None  # the model class for model saves


class MappingError(ValueError):
    """An EVENT_MAPPINGS entry that cannot be used; the message says why."""


def load_mapping(entry: Any) -> Mapping:
    """Resolve one EVENT_MAPPINGS entry; raises MappingError with a reason."""
    if not isinstance(entry, dict) or "mapper" not in entry or ("model" in entry) == ("signal" in entry):
        raise MappingError(f"{entry!r} needs a 'mapper' and exactly one of 'model' or 'signal'")
    try:
        mapper = import_string(entry["mapper"])
    except ImportError as exc:
        raise MappingError(f"mapper {entry['mapper']!r} cannot be imported: {exc}") from None
    if "model" in entry:
        try:
            model = apps.get_model(entry["model"])
        except (LookupError, ValueError) as exc:
            raise MappingError(f"model {entry['model']!r} is not installed: {exc}") from None
        return Mapping(mapper=mapper, signal=post_save, sender=model)
    try:
        signal = import_string(entry["signal"])
    except ImportError as exc:
        raise MappingError(f"signal {entry['signal']!r} cannot be imported: {exc}") from None
    if not isinstance(signal, Signal):
        raise MappingError(f"{entry['signal']!r} is not a django.dispatch.Signal")
    return Mapping(mapper=mapper, signal=signal)


def track_host_event(host_event: HostEvent):
    """Update the contact with what the event says of them, then track() it,
    in one transaction (a segment filter sees the new data); raises
    InvalidEvent like track(), with nothing written. Contact data that does
    not validate is logged and left out; the event is tracked all the same."""
    return track_host_events_at_once([host_event])[0]


def track_host_events_at_once(host_events: list[HostEvent]) -> list:
    """track_host_event() for many events, in one transaction and one
    track_many() (their Events, in order); raises InvalidEvent, with
    nothing written, if any is invalid."""
    from ..ingest.track import record

    pending = [pending_event(host_event) for host_event in host_events]
    with transaction.atomic():
        for host_event in host_events:
            _update_contact_of(host_event)
        return record(pending)


def _update_contact_of(host_event: HostEvent) -> None:
    from ..ingest.contacts import resolve_contact
    from ..ingest.identify import ContactData, clean_contact_data, update_contact

    try:
        data = clean_contact_data(attributes=host_event.attributes, first_name=host_event.first_name,
                                  last_name=host_event.last_name, time_zone=host_event.time_zone,
                                  locale=host_event.locale, phone=host_event.phone)
    except InvalidEvent as exc:
        # A shop's odd phone number must not lose the customer's cart or order.
        logger.warning("event %s: what it says about the contact is not used: %s", host_event.name, exc)
        data = ContactData()
    if not data.is_empty():
        update_contact(resolve_contact(email=host_event.email, user=host_event.user), data)


def track_host_events(result: HostEvent | Iterable[HostEvent] | None, origin: str) -> None:
    # Runs inside the host's save() in autocommit mode: nothing here may break it,
    # not even a mapper returning something else or a generator failing midway.
    try:
        host_events = [result] if isinstance(result, HostEvent) else list(result or [])
    except Exception:
        logger.exception("%s: the mapper returned %r, not HostEvents; nothing tracked", origin, type(result))
        return
    usable = [host_event for host_event in host_events if _usable(host_event, origin)]
    try:
        track_host_events_at_once(usable)  # one track_many() for all a mapper returned
    except InvalidEvent as exc:
        logger.warning("%s: events %s not tracked: %s", origin, [e.name for e in usable], exc)
    except Exception:
        logger.exception("%s: events %s not tracked", origin, [getattr(e, "name", e) for e in usable])


def pending_event(host_event: HostEvent):
    """The event checked as track() checks it; raises InvalidEvent."""
    from ..ingest.track import prepare

    return prepare(host_event.name, email=host_event.email, user=host_event.user, properties=host_event.properties,
                   idempotency_key=host_event.idempotency_key, occurred_at=host_event.occurred_at)


def _usable(host_event: HostEvent, origin: str) -> bool:
    try:
        pending_event(host_event)
    except InvalidEvent as exc:
        logger.warning("%s: event %s not tracked: %s", origin, host_event.name, exc)
        return False
    except Exception:
        logger.exception("%s: event %s not tracked", origin, getattr(host_event, "name", host_event))
        return False
    return True


def receiver_for(mapping: Mapping, origin: str) -> Callable[..., None]:
    def receive(sender, **kwargs) -> None:
        if kwargs.get("raw"):  # loaddata: fixtures are not customer activity
            return
        try:
            result = mapping.mapper(sender=sender, **kwargs)
        except Exception:
            # The host's checkout must not fail because of a marketing hook.
            logger.exception("%s: mapper failed; no event tracked", origin)
            return
        # After commit: the host's transaction may still roll back.
        transaction.on_commit(lambda: track_host_events(result, origin))

    return receive


def connect() -> None:
    """Connect every valid EVENT_MAPPINGS entry (invalid ones are reported
    by the drip_plugin.E050 system check)."""
    for number, entry in enumerate(drip_settings.EVENT_MAPPINGS or []):
        try:
            mapping = load_mapping(entry)
        except MappingError:
            continue
        origin = f"EVENT_MAPPINGS[{number}] ({entry['mapper']})"
        mapping.signal.connect(receiver_for(mapping, origin), sender=mapping.sender, weak=False,
                               dispatch_uid=f"drip_plugin.mapping.{number}")
