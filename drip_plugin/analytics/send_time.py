"""Each contact's best hour to receive email, learned from their opens and clicks.

Recording an honest open or click (delivery/tracking.py) queues a
SendTimeSignal: the contact and the local hour it happened (in the contact's
zone, dates/zones.py). The tick learns the queue in batches — a constant
number of queries per batch whatever was learned before, never a scan of past
events — into per-contact and population scores: 24 counts, one per local
hour, that halve every SEND_TIME_HALF_LIFE_DAYS. The decay is applied lazily:
scores are stored as of `scored_at` and aged when next written or read, so
nothing is rewritten just because time passed.

Prefetched opens (mail privacy proxies), link-scanner clicks and staff
previews are flagged at recording (analytics/honesty.py) and never learned:
they would teach the hour an email was sent, not the hour it was read.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from ..conf import drip_settings
from ..dates.zones import contact_zone
from ..models import Contact, ContactSendTime, MessageEvent, PopulationSendTime, SendTimeSignal

HOURS = 24
LEARNED_EVENTS = {"opened", "clicked"}
POPULATION_ROW = 1
# Stored scores keep this many decimals: plenty for ranking hours, half the bytes.
PRECISION = 4


class Source:
    CONTACT = "contact"
    POPULATION = "population"
    NONE = ""


@dataclass(frozen=True)
class HourPreference:
    """How much a contact likes each local hour (0–23), where that comes from
    and how many (decayed) opens and clicks stand behind it."""

    scores: tuple[float, ...] = ()
    source: str = Source.NONE
    weight: float = 0.0
    own_weight: float = 0.0  # the contact's own, also when the population's hours are used

    @property
    def best_hour(self) -> int | None:
        if not self.scores or max(self.scores) <= 0:
            return None
        return self.scores.index(max(self.scores))


NO_PREFERENCE = HourPreference()


def _decay(elapsed: dt.timedelta) -> float:
    """The factor an event's weight has after `elapsed`: ½ per half-life."""
    half_life = dt.timedelta(days=drip_settings.SEND_TIME_HALF_LIFE_DAYS)
    return 0.5 ** (elapsed / half_life)


def aged_weight(row: ContactSendTime | PopulationSendTime | None, now: dt.datetime) -> float:
    """The row's total weight decayed to `now` (a late event, after now, counts fully)."""
    if row is None or not row.hour_scores:
        return 0.0
    return sum(row.hour_scores) * min(1.0, _decay(now - row.scored_at))


def add_signals(row: ContactSendTime | PopulationSendTime, signals: Iterable[tuple[int, dt.datetime]]) -> None:
    """Age `row`'s scores to its newest signal and add each (local hour, when)
    at its own decayed weight (ESP events arrive late and out of order)."""
    signals = list(signals)
    scores = list(row.hour_scores) if row.hour_scores else [0.0] * HOURS
    newest = max(at for _, at in signals)
    if row.scored_at is not None and row.scored_at >= newest:
        newest = row.scored_at
    elif row.scored_at is not None:
        factor = _decay(newest - row.scored_at)
        scores = [score * factor for score in scores]
    for hour, at in signals:
        scores[hour] += _decay(newest - at)
    row.hour_scores = [round(score, PRECISION) for score in scores]
    row.scored_at = newest


def note_engagement(event: MessageEvent) -> None:
    """Queue an open or click just recorded (inside its transaction) for learning."""
    if event.event_type not in LEARNED_EVENTS or event.flag or event.message is None:
        return
    contact = Contact.objects.only("pk", "time_zone").filter(enrollments=event.message.enrollment_id).first()
    if contact is not None:
        SendTimeSignal.objects.create(contact=contact, occurred_at=event.occurred_at,
                                      local_hour=event.occurred_at.astimezone(contact_zone(contact)).hour)


def learn_send_times(limit: int) -> int:
    """Learn up to `limit` queued signals, oldest first; return how many.

    Six queries however many signals were learned before: the population row
    (locked, so learners take turns and no contact's scores are lost to a
    concurrent write), the signals, their contacts' rows, one upsert, the
    population's update, the delete.
    """
    if not SendTimeSignal.objects.exists():
        return 0  # an idle tick: one query
    with transaction.atomic():
        population, _ = PopulationSendTime.objects.select_for_update().get_or_create(
            pk=POPULATION_ROW, defaults={"scored_at": None})
        signals = list(SendTimeSignal.objects.order_by("pk")[:limit].values_list(
            "pk", "contact_id", "local_hour", "occurred_at"))
        if not signals:
            return 0
        per_contact: dict[int, list[tuple[int, dt.datetime]]] = defaultdict(list)
        for _, contact_id, hour, at in signals:
            per_contact[contact_id].append((hour, at))
        known = ContactSendTime.objects.in_bulk(list(per_contact))
        rows = []
        for contact_id, learned in per_contact.items():
            row = known.get(contact_id) or ContactSendTime(contact_id=contact_id, scored_at=None)
            add_signals(row, learned)
            rows.append(row)
        ContactSendTime.objects.bulk_create(rows, update_conflicts=True, unique_fields=["contact"],
                                            update_fields=["hour_scores", "scored_at"])
        add_signals(population, ((hour, at) for _, _, hour, at in signals))
        population.save(update_fields=["hour_scores", "scored_at"])
        SendTimeSignal.objects.filter(pk__in=[pk for pk, *_ in signals]).delete()
    return len(signals)


def hour_preferences(contact_ids: Iterable[int], now: dt.datetime) -> dict[int, HourPreference]:
    """Each contact's hours — their own with at least SEND_TIME_MIN_EVENTS
    (decayed) opens and clicks, else the population's with as many, else none.
    Two queries for any number of contacts."""
    contact_ids = set(contact_ids)
    if not contact_ids:
        return {}
    enough = drip_settings.SEND_TIME_MIN_EVENTS
    own = ContactSendTime.objects.in_bulk(list(contact_ids))
    population = PopulationSendTime.objects.filter(pk=POPULATION_ROW).first()
    population_weight = aged_weight(population, now)
    everyone = (HourPreference(tuple(population.hour_scores), Source.POPULATION, population_weight)
                if population_weight >= enough else NO_PREFERENCE)
    preferences = {}
    for contact_id in contact_ids:
        row = own.get(contact_id)
        weight = aged_weight(row, now)
        if weight >= enough:
            preferences[contact_id] = HourPreference(tuple(row.hour_scores), Source.CONTACT, weight, weight)
        else:
            preferences[contact_id] = HourPreference(everyone.scores, everyone.source, everyone.weight, weight)
    return preferences
