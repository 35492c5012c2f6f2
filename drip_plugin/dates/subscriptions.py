"""Subscriptions fed by events, and their `renewal_due` reminders."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ..conf import drip_settings
from ..exceptions import InvalidEvent
from ..models import Event, Subscription
from ..models.subscriptions import CANCELLED
from .occurrences import date_dues, pick_next
from .zones import contact_zone, start_of_day

logger = logging.getLogger("drip_plugin.dates")

RENEWAL_EVENT = "renewal_due"
SUBSCRIPTION_EVENTS = frozenset({"subscription_started", "subscription_renewed", "subscription_cancelled"})


def _invalid(event: Event, problem: str) -> InvalidEvent:
    logger.warning("%s for contact %s rejected: %s", event.name, event.contact_id, problem)
    return InvalidEvent(f"{event.name}: {problem}")


def _renews_at(raw, event: Event) -> datetime | None:
    """ISO 8601 datetime with offset, or a date (midnight in the contact's time zone)."""
    if raw in (None, ""):
        return None
    value = None
    if isinstance(raw, str):
        try:
            value = parse_datetime(raw) if "T" in raw or " " in raw else parse_date(raw)
        except ValueError:
            value = None
    if value is None:
        raise _invalid(event, f"renews_at {raw!r} is not an ISO 8601 date or datetime")
    if not isinstance(value, datetime):
        return datetime.combine(value, datetime.min.time(), tzinfo=contact_zone(event.contact))
    if timezone.is_naive(value):
        raise _invalid(event, f"renews_at {raw!r} needs a UTC offset, e.g. {raw}Z")
    return value


def schedule_reminder(subscription: Subscription, *, now: datetime, after: datetime | None,
                      not_before: datetime | None = None) -> None:
    """Point next_reminder_at at the next RENEWAL_REMINDER_DAYS reminder.

    Like the other date events, a reminder fires at DATE_EVENTS_TIME in the
    contact's time zone, N days before renews_at's local date. None falls on a
    local day before `not_before`'s (by default today): a reminder stored at
    another time of its day (an older DATE_EVENTS_TIME, another time zone)
    still goes out when it is claimed.
    """
    due = None
    if subscription.renews_at is not None and subscription.status != CANCELLED:
        zone = contact_zone(subscription.contact)
        renewal_day = subscription.renews_at.astimezone(zone).date()
        offsets = [-days for days in drip_settings.RENEWAL_REMINDER_DAYS]
        dues = date_dues(renewal_day, offsets, yearly=False, zone=zone, around=renewal_day)
        due = pick_next(dues, now=now, not_before=start_of_day(not_before or now, zone), after=after)
    subscription.next_reminder_at = due.at if due else None
    subscription.next_reminder_days = -due.offset if due else None


def record_subscription_event(event: Event) -> Subscription:
    """Apply subscription_started / _renewed / _cancelled to the Subscription row.

    A new renews_at replaces the reminders of the old date; a cancellation
    drops them. Raises InvalidEvent (so track() writes nothing) on bad properties.
    """
    properties = event.properties or {}
    snapshot = properties.get("subscription") or {}
    if not isinstance(snapshot, dict):
        raise _invalid(event, "the subscription property must be an object")
    external_id = properties.get("subscription_id") or snapshot.get("subscription_id")
    if not isinstance(external_id, (str, int)) or isinstance(external_id, bool) or str(external_id) == "":
        raise _invalid(event, "needs a subscription_id property")
    renews_at = _renews_at(snapshot.get("renews_at", properties.get("renews_at")), event)

    subscription = Subscription.objects.select_for_update().filter(external_id=str(external_id)).first()
    if subscription is None:
        subscription = Subscription(contact=event.contact, external_id=str(external_id))
    elif subscription.last_event_at and event.occurred_at < subscription.last_event_at:
        logger.info("%s for subscription %s is older than its last event; ignored", event.name, external_id)
        return subscription
    was_cancelled = subscription.status == CANCELLED
    moved = renews_at is not None and renews_at != subscription.renews_at
    subscription.last_event_at = event.occurred_at
    subscription.plan = str(snapshot.get("plan") or subscription.plan)
    subscription.renews_at = renews_at or subscription.renews_at
    if event.name == "subscription_cancelled":
        subscription.status = CANCELLED
        schedule_reminder(subscription, now=timezone.now(), after=None)
    else:
        status = str(snapshot.get("status") or "active").lower()
        # Hosts spell it either way; one spelling keeps reminders off for both.
        subscription.status = CANCELLED if status in ("cancelled", "canceled") else status
        if moved or was_cancelled or subscription.pk is None:
            schedule_reminder(subscription, now=timezone.now(), after=None)
    subscription.save()
    return subscription


def reminder_properties(subscription: Subscription) -> dict:
    return {
        "subscription_id": subscription.external_id,
        "days_before": subscription.next_reminder_days,
        "subscription": subscription.snapshot(),
    }


def reminder_key(subscription: Subscription) -> str:
    """One reminder per (subscription, renewal date, days before)."""
    return f"drip-renewal:{subscription.pk}:{subscription.renews_at.isoformat()}:{subscription.next_reminder_days}"
