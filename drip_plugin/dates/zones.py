"""Which zone, which local time: the one answer for the engine's step timing,
send windows and the date triggers."""
from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from ..conf import drip_settings

logger = logging.getLogger("drip_plugin.dates")


def contact_zone(contact) -> dt.tzinfo:
    """The contact's time zone, or DEFAULT_TIME_ZONE when unset or unknown
    (checks.py makes an unknown DEFAULT_TIME_ZONE an error)."""
    if contact.time_zone:
        try:
            return zoneinfo.ZoneInfo(contact.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            logger.warning("contact %s has an unknown time zone %r; using the default", contact.pk, contact.time_zone)
    return zoneinfo.ZoneInfo(drip_settings.DEFAULT_TIME_ZONE)


def at_local(day: dt.date, at: dt.time, zone: dt.tzinfo) -> dt.datetime:
    """`day` at the local time `at` in `zone`, in UTC."""
    # zoneinfo resolves DST: 11:30 Paris is 10:30 UTC in winter, 09:30 in summer.
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)


def start_of_day(moment: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    local = moment.astimezone(zone)
    return dt.datetime.combine(local.date(), dt.time(), tzinfo=zone)


def events_time() -> dt.time:
    """The local time at which date events fire on their day (DATE_EVENTS_TIME)."""
    return dt.time.fromisoformat(drip_settings.DATE_EVENTS_TIME)
