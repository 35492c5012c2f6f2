"""Pure date arithmetic: yearly occurrences, local fire times, what is due next."""
from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from .zones import events_time


def in_year(day: date, year: int) -> date:
    """`day`'s month and day in `year`.

    29 February falls on 28 February in common years: the person is still in
    the month they were born in, and it is what most calendars and ESPs do.
    """
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


@dataclass(frozen=True, order=True)
class Due:
    at: datetime
    occurrence: date  # the date the event is about (this year's birthday, the renewal date)
    offset: int  # days from `occurrence`; -7 = a week before


def date_dues(source: date, offsets: Iterable[int], *, yearly: bool, zone: tzinfo, around: date) -> list[Due]:
    """Every emit of `source` near `around`, at DATE_EVENTS_TIME local time."""
    at = events_time()
    occurrences = [source]
    if yearly:
        # The years around `around` cover any offset up to a year; none before the date itself.
        years = range(around.year - 1, around.year + 3)
        occurrences = [o for o in (in_year(source, y) for y in years) if o >= source]
    return sorted(
        Due(datetime.combine(o + timedelta(days=offset), at, tzinfo=zone), o, offset)
        for o in occurrences
        for offset in offsets
    )


def pick_next(dues: Iterable[Due], *, now: datetime, not_before: datetime, after: datetime | None) -> Due | None:
    """The emit to schedule next.

    Emits before `not_before` (an earlier day) or at/before `after` (already
    emitted) are skipped. Of several overdue emits only the latest is kept: once
    the 1-day reminder is due, the 3-day one is pointless.
    """
    pending = sorted(d for d in dues if d.at >= not_before and (after is None or d.at > after))
    overdue = [d for d in pending if d.at <= now]
    if overdue:
        return overdue[-1]
    return pending[0] if pending else None
