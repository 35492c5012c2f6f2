"""Keeping each contact's date rows (birthday, date rules, win-back) current."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ..conf import drip_settings
from ..models import Contact, ContactDate, DateRule, Event
from ..models.dates import DateKind
from .occurrences import date_dues, pick_next
from .zones import contact_zone, start_of_day

logger = logging.getLogger("drip_plugin.dates")

BIRTHDAY_EVENT = "birthday"
WINBACK_EVENT = "winback_due"
# Contact fields a date row depends on: other saves need no refresh.
DATE_FIELDS = frozenset({"birthday", "attributes", "time_zone"})


@dataclass(frozen=True)
class Spec:
    """Where a row's emits come from: a date, its offsets, yearly or once."""

    source: date
    offsets: tuple[int, ...]
    yearly: bool


def source_date(contact: Contact, name: str) -> date | None:
    """`birthday`, or the contact attribute `name` read as an ISO date."""
    if name == "birthday":
        return contact.birthday
    raw = (contact.attributes or {}).get(name)
    if raw in (None, ""):
        return None
    try:
        value = (parse_datetime(raw) or parse_date(raw)) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if value is None:
        logger.warning("contact %s: attribute %r = %r is not an ISO date; ignored", contact.pk, name, raw)
        return None
    return value.date() if isinstance(value, datetime) else value


def spec_for(contact: Contact, kind: str, rule: DateRule | None) -> Spec | None:
    if kind == DateKind.BIRTHDAY:
        return Spec(contact.birthday, (0,), True) if contact.birthday else None
    if kind == DateKind.RULE and rule is not None and rule.active:
        source = source_date(contact, rule.source)
        return Spec(source, tuple(rule.offsets), rule.yearly) if source else None
    return None  # win-back rows are scheduled by orders, never recomputed


def schedule(row: ContactDate, spec: Spec | None, contact: Contact, now: datetime,
             not_before: datetime | None = None) -> None:
    """Point `row` at its next emit (due_at None when none is left).

    Emits before `not_before` are skipped — by default those of an earlier
    local day (a birthday entered a day late is not wished) —, emits of today
    still go out, and nothing at or before `row.last_due_at` is emitted again.
    """
    due = None
    if spec is not None:
        zone = contact_zone(contact)
        dues = date_dues(spec.source, spec.offsets, yearly=spec.yearly, zone=zone, around=now.astimezone(zone).date())
        due = pick_next(dues, now=now, not_before=not_before or start_of_day(now, zone), after=row.last_due_at)
    row.occurrence, row.offset, row.due_at = (due.occurrence, due.offset, due.at) if due else (None, 0, None)


def advance(row: ContactDate, now: datetime) -> None:
    """After `row`'s emit: schedule the one after it (next year's birthday, the next offset)."""
    row.last_due_at = row.due_at
    schedule(row, spec_for(row.contact, row.kind, row.rule), row.contact, now)


def describe(row: ContactDate) -> tuple[str, dict]:
    """Event name and properties of `row`'s pending emit."""
    contact = row.contact
    if row.kind == DateKind.WINBACK:
        last = contact.last_order_at
        return WINBACK_EVENT, {"days_since_order": row.offset, "last_order_at": last.isoformat() if last else None}
    if row.kind == DateKind.BIRTHDAY:
        name, source, yearly = BIRTHDAY_EVENT, "birthday", True
    else:
        name, source, yearly = row.rule.event_name, row.rule.source, row.rule.yearly
    properties = {"source": source, "occurrence": row.occurrence.isoformat(), "days_offset": row.offset}
    original = source_date(contact, source)
    if original is not None:
        properties["date"] = original.isoformat()
        if yearly:
            properties["years"] = row.occurrence.year - original.year
    if row.offset:
        properties["days_before" if row.offset < 0 else "days_after"] = abs(row.offset)
    return name, properties


def idempotency_key(row: ContactDate) -> str:
    """One emit per (contact, source, occurrence date incl. year, offset)."""
    return f"drip-date:{row.kind}:{row.rule_id or ''}:{row.contact_id}:{row.occurrence.isoformat()}:{row.offset}"


def active_rules() -> list[DateRule]:
    rules = []
    for rule in DateRule.objects.filter(active=True):
        try:
            rule.offsets  # noqa: B018  validates rules saved around the form
        except ValidationError as exc:
            logger.warning("date rule %s (%s) ignored: %s", rule.pk, rule.name, exc.messages[0])
            continue
        rules.append(rule)
    return rules


def _save(rows: Iterable[ContactDate]) -> None:
    new, changed = [], []
    for row in rows:
        if row.pk is None:
            if row.due_at is not None:
                new.append(row)
        else:
            changed.append(row)
    ContactDate.objects.bulk_create(new, batch_size=500)
    ContactDate.objects.bulk_update(changed, ["occurrence", "offset", "due_at"], batch_size=500)


def refresh_contact_dates(contact: Contact, *, now: datetime | None = None) -> None:
    """Recompute `contact`'s birthday and date-rule rows.

    Runs on every Contact.save() touching birthday, attributes or time_zone;
    call it yourself after QuerySet.update() or bulk_create() of contacts.
    """
    now = now or timezone.now()
    wanted: dict[tuple[str, int | None], tuple[DateRule | None, Spec | None]] = {
        (DateKind.BIRTHDAY, None): (None, spec_for(contact, DateKind.BIRTHDAY, None))
    }
    for rule in active_rules():
        wanted[(DateKind.RULE, rule.pk)] = (rule, spec_for(contact, DateKind.RULE, rule))
    rows = {(r.kind, r.rule_id): r for r in contact.dates.exclude(kind=DateKind.WINBACK)}
    for key, (rule, spec) in wanted.items():
        row = rows.setdefault(key, ContactDate(contact=contact, kind=key[0], rule=rule))
        schedule(row, spec, contact, now)
    for key in rows.keys() - wanted.keys():
        rows[key].due_at = None  # its rule was switched off
    _save(rows.values())


def refresh_rule_dates(rule: DateRule, *, now: datetime | None = None) -> None:
    """Recompute every contact's row for `rule` (after an editor saves it)."""
    now = now or timezone.now()
    rows = {r.contact_id: r for r in rule.contact_dates.all()}
    contacts = Contact.objects.all()
    if not rule.active:
        contacts = contacts.none()
    elif rule.source == "birthday":
        contacts = contacts.filter(birthday__isnull=False)
    else:
        contacts = contacts.filter(attributes__has_key=rule.source)
    touched = []
    for contact in contacts.iterator(chunk_size=2000):
        row = rows.pop(contact.pk, None) or ContactDate(contact=contact, kind=DateKind.RULE, rule=rule)
        schedule(row, spec_for(contact, DateKind.RULE, rule), contact, now)
        touched.append(row)
    for row in rows.values():  # contacts that no longer have the date
        row.due_at = None
        touched.append(row)
    _save(touched)


def record_order(event: Event) -> None:
    """order_completed: move the contact's last order forward and restart its win-back wait."""
    # The row lock serialises two orders of one contact arriving at once. NO KEY:
    # a tick inserting an event for this contact (a KEY SHARE lock) must not
    # deadlock with us while it holds the win-back row we are about to update.
    locked = Contact.objects.select_for_update(no_key=True).filter(pk=event.contact_id)
    last = locked.values_list("last_order_at", flat=True)[0]
    if last is not None and last >= event.occurred_at:
        return  # a late delivery of an older order changes nothing
    Contact.objects.filter(pk=event.contact_id).update(last_order_at=event.occurred_at)
    event.contact.last_order_at = event.occurred_at
    days = drip_settings.WINBACK_DAYS
    if not days:
        return
    ContactDate.objects.update_or_create(
        contact=event.contact,
        kind=DateKind.WINBACK,
        rule=None,
        defaults={
            "occurrence": event.occurred_at.astimezone(contact_zone(event.contact)).date(),
            "offset": days,
            "due_at": event.occurred_at + timedelta(days=days),
        },
    )


def on_contact_saved(sender, instance: Contact, created: bool, raw: bool = False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and not DATE_FIELDS & set(update_fields)):
        return
    if created and not instance.birthday and not instance.attributes:
        return  # nothing to date: spare every new contact two queries
    refresh_contact_dates(instance)


def on_rule_saved(sender, instance: DateRule, raw: bool = False, **kwargs):
    if not raw:
        # Same transaction as the rule: a rolled-back form leaves no rows behind.
        refresh_rule_dates(instance)
