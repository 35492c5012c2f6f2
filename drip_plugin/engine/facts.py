"""Facts for conditions about one enrollment, with activity loaded per batch."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from ..models import Contact, Enrollment, Event, MessageEvent
from .conditions import Facts

# Activity names answered from this journey's own emails (MessageEvent),
# not from tracked events.
ENGAGEMENT = {"email_opened": "opened", "email_clicked": "clicked"}


def contact_facts(contact: Contact) -> dict:
    return {
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "locale": contact.locale,
        "time_zone": contact.time_zone,
        "birthday": getattr(contact, "birthday", None),
        "attributes": dict(contact.attributes or {}),
    }


class ActivityIndex:
    """Events of many contacts, fetched with one query, answering
    'did contact X do Y since T (about object K)?'."""

    def __init__(self, contact_ids: Iterable[int], names: set[str], since: dt.datetime | None):
        self.events: dict[int, list[tuple[str, dt.datetime, dict]]] = defaultdict(list)
        # enrollment id → [(activity name, when)] for email engagement
        self.engagement: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
        ids = list(contact_ids)
        if not names or not ids:
            return
        wanted = {ENGAGEMENT[n] for n in names if n in ENGAGEMENT}
        if wanted:
            names = names - set(ENGAGEMENT)
            rows = MessageEvent.objects.filter(message__enrollment__contact_id__in=ids, event_type__in=wanted)
            for enrollment_id, kind, occurred_at in rows.values_list(
                "message__enrollment_id", "event_type", "occurred_at"
            ):
                self.engagement[enrollment_id].append((f"email_{kind}", occurred_at))
        if not names:
            return
        rows = Event.objects.filter(contact_id__in=ids, name__in=names)
        if since is not None:
            rows = rows.filter(occurred_at__gte=since)
        for contact_id, name, occurred_at, properties in rows.values_list(
            "contact_id", "name", "occurred_at", "properties"
        ):
            self.events[contact_id].append((name, occurred_at, properties))

    def lookup(self, enrollment: Enrollment):
        key_property = enrollment.sequence.journey_per

        def happened(name: str, since: dt.datetime | None, same_object: bool) -> bool:
            if name in ENGAGEMENT:
                return any(
                    kind == name and (since is None or at > since) for kind, at in self.engagement[enrollment.pk]
                )
            for event_name, occurred_at, properties in self.events[enrollment.contact_id]:
                # Strictly after: the event that started the journey (or
                # the step) is not activity "since" it.
                if event_name != name or (since is not None and occurred_at <= since):
                    continue
                if same_object and key_property and str(properties.get(key_property, "")) != enrollment.object_key:
                    continue
                return True
            return False

        return happened


def enrollment_facts(enrollment: Enrollment, now: dt.datetime, activity: ActivityIndex) -> Facts:
    event = enrollment.trigger_event
    return Facts(
        contact=contact_facts(enrollment.contact),
        event=dict(event.properties) if event else {},
        now=now,
        activity=activity.lookup(enrollment),
        entered_at=enrollment.enrolled_at,
        step_at=enrollment.last_step_at or enrollment.enrolled_at,
    )
