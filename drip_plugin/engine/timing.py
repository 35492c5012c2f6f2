"""When a step is due: delays, weekdays, date offsets, send windows (pure;
zones and local times from dates/zones.py)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from ..dates.occurrences import in_year
from ..dates.zones import at_local
from ..models.sequences import Step, Timing
from .conditions import Facts, _moment, resolve

DEFAULT_DATE_TIME = dt.time(9, 0)
# Dates that recur every year: an offset from one counts from its next anniversary.
YEARLY_FIELDS = {"contact.birthday"}


def step_due_at(step: Step, anchor: dt.datetime, facts: Facts, zone: dt.tzinfo) -> dt.datetime | None:
    """When `step` comes due, counted from `anchor` (the previous step's time).

    None when a date-offset step's date is missing.
    """
    after_wait = anchor + step.delay
    if step.timing == Timing.WEEKDAY and step.weekday is not None and step.at_time is not None:
        local = after_wait.astimezone(zone)
        for days_ahead in range(8):
            day = local.date() + dt.timedelta(days=days_ahead)
            if day.weekday() == step.weekday:
                candidate = at_local(day, step.at_time, zone)
                if candidate >= after_wait:
                    return candidate
        return after_wait
    if step.timing == Timing.DATE_OFFSET:
        base = resolve(step.date_field, facts)
        if isinstance(base, str):
            parsed = _moment(base)
            base = parsed.astimezone(zone).date() if parsed and "T" in base else (parsed.date() if parsed else None)
        elif isinstance(base, dt.datetime):
            base = base.astimezone(zone).date()
        if not isinstance(base, dt.date):
            return None
        at = step.at_time or DEFAULT_DATE_TIME
        if step.date_field.strip() in YEARLY_FIELDS:
            # A birthday is due on its next anniversary (offset included), never in the year of birth.
            year = anchor.astimezone(zone).year
            candidates = (at_local(in_year(base, y) + dt.timedelta(days=step.offset_days), at, zone)
                          for y in range(year - 2, year + 3))
            return min((due for due in candidates if due >= anchor), default=None)
        return at_local(base + dt.timedelta(days=step.offset_days), at, zone)
    return after_wait


def _windows(raw: Iterable) -> list[tuple[set[int], dt.time, dt.time]]:
    out = []
    for block in raw:
        value: Mapping[str, Any] = block.value
        out.append(({int(d) for d in value["days"]}, value["start"], value["end"]))
    return out


def next_window_opening(moment: dt.datetime, windows: Iterable, zone: dt.tzinfo) -> dt.datetime:
    """`moment` if it lies inside a send window (or there are none), else the next opening."""
    spans = _windows(windows)
    if not spans:
        return moment
    local = moment.astimezone(zone)
    best: dt.datetime | None = None
    for days_ahead in range(-1, 8):  # from yesterday: its overnight window may still be open
        day = local.date() + dt.timedelta(days=days_ahead)
        for weekdays, start, end in spans:
            if day.weekday() not in weekdays:
                continue
            # An end at or before the start (18:00–00:00, 22:00–02:00) closes the next day.
            opens = at_local(day, start, zone)
            closes = at_local(day + dt.timedelta(days=1) if end <= start else day, end, zone)
            if opens <= moment < closes:
                return moment
            if opens > moment and (best is None or opens < best):
                best = opens
        if best is not None:
            return best
    return moment


def after_quiet_hours(moment: dt.datetime, quiet: tuple[dt.time, dt.time] | None, zone: dt.tzinfo) -> dt.datetime:
    """`moment`, or the end of the quiet hours (`quiet`: start and end, local
    times in `zone`; across midnight when the end is not after the start) it falls in."""
    if not quiet:
        return moment
    start, end = quiet
    local = moment.astimezone(zone).date()
    for day in (local - dt.timedelta(days=1), local):  # from yesterday: last night's quiet hours may still run
        begins = at_local(day, start, zone)
        ends = at_local(day + dt.timedelta(days=1) if end <= start else day, end, zone)
        if begins <= moment < ends:
            return ends
    return moment
