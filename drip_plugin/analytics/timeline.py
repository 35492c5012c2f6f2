"""A contact's history, newest first: events, journeys entered and exited,
messages, consent changes and suppressions. One page costs a fixed number of
queries however long the history: the kinds are merged and paged in the
database (UNION ALL), then only that page's messages are looked up."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, F, Q, Value, When
from django.db.models.functions import Coalesce, Concat

from ..consent.suppression import email_hash
from ..links.signed import EmailLinks
from ..models import Consent, Contact, Enrollment, Event, Message, Suppression

KINDS = ("event", "journey", "message", "consent", "suppression")
PER_PAGE = 50


@dataclass
class TimelineEntry:
    kind: str
    at: dt.datetime
    title: str
    detail: str
    ref: int
    # Messages only: status, counts and the web version's link.
    opens: int = 0
    clicks: int = 0
    web_version_url: str = ""


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    total: int
    page: int
    pages: int
    kinds: tuple[str, ...] = field(default=KINDS)


def _sources(contact: Contact, kind: str) -> list:
    """The querysets of one kind, each shaped as (kind, at, title, detail, ref)."""
    text = CharField()

    def shaped(qs, at, title, detail):
        return qs.order_by().annotate(kind=Value(kind, output_field=text), at=at, title=title, detail=detail,
                                      ref=F("pk")).values_list("kind", "at", "title", "detail", "ref")

    if kind == "event":
        return [shaped(Event.objects.filter(contact=contact), F("occurred_at"), F("name"),
                       Value("", output_field=text))]
    if kind == "journey":
        journeys = Enrollment.objects.filter(contact=contact)
        return [shaped(journeys, F("enrolled_at"), Concat(Value("Entered "), "sequence__name", output_field=text),
                       Value("", output_field=text)),
                shaped(journeys.filter(ended_at__isnull=False), F("ended_at"),
                       Concat(Value("Exited "), "sequence__name", output_field=text), F("exit_reason"))]
    if kind == "message":
        return [shaped(Message.objects.filter(enrollment__contact=contact), Coalesce("sent_at", "send_after"),
                       F("subject"), F("status"))]
    if kind == "consent":
        given = Case(When(granted=True, then=Value("Consent given")), default=Value("Consent withdrawn"),
                     output_field=text)
        return [shaped(Consent.objects.filter(contact=contact), F("recorded_at"), given, F("source"))]
    return [shaped(Suppression.objects.filter(email_hash=email_hash(contact.email)), F("created_at"),
                   Value("Suppressed", output_field=text), F("reason"))]


def contact_timeline(contact: Contact, *, kinds: tuple[str, ...] = KINDS, page: int = 1,
                     per_page: int = PER_PAGE) -> TimelinePage:
    """One page of `contact`'s history of `kinds`, newest first (four queries)."""
    sources = [qs for kind in kinds for qs in _sources(contact, kind)]
    if not sources:
        return TimelinePage(entries=[], total=0, page=1, pages=1, kinds=kinds)
    # One source is queried as is: a sliced union of one crashes Django 5.2.0.
    merged = sources[0].union(*sources[1:], all=True) if len(sources) > 1 else sources[0]
    total = merged.count()
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    rows = list(merged.order_by("-at", "-ref")[(page - 1) * per_page:page * per_page])
    entries = [TimelineEntry(kind=kind, at=at, title=title, detail=detail, ref=ref)
               for kind, at, title, detail, ref in rows]
    _add_message_details([entry for entry in entries if entry.kind == "message"])
    return TimelinePage(entries=entries, total=total, page=page, pages=pages, kinds=kinds)


def _add_message_details(entries: list[TimelineEntry]) -> None:
    if not entries:
        return
    details = Message.objects.filter(pk__in=[entry.ref for entry in entries]).annotate(
        opens=Count("events", filter=Q(events__event_type="opened")),
        clicks=Count("events", filter=Q(events__event_type="clicked")),
    ).values_list("pk", "token", "opens", "clicks")
    links = EmailLinks()
    by_pk = {pk: (token, opens, clicks) for pk, token, opens, clicks in details}
    for entry in entries:
        token, entry.opens, entry.clicks = by_pk[entry.ref]
        entry.web_version_url = links.view(str(token))
