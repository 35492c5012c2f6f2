"""Importing contacts from CSV or XLSX: names, time zone, locale, phone,
birthday, consent and any other column as an attribute.

Rows are read, validated like identify() and written in batches, each with
the same few queries whatever its size. A dry run goes through the same code
and writes nothing. run_import_job() runs an import started in the admin
(a ContactImport row over a stored upload; a Celery task calls it),
recording its progress batch by batch. Without a consent column saying where consent was given,
a new contact is not subscribed to marketing email (an import is no proof of
consent); with one, a Consent record is written.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from ..conf import drip_settings
from ..consent.suppression import ERASED, email_hash
from ..exceptions import InvalidEvent
from ..models import Consent, Contact, ContactImport, Suppression
from .contacts import normalise_email
from .identify import ATTRIBUTE_NAME, RESERVED_NAMES, ContactData, apply_contact_data, clean_contact_data

logger = logging.getLogger("drip_plugin.ingest")

FIELD_COLUMNS = ("first_name", "last_name", "time_zone", "locale", "phone")
CONSENT_COLUMNS = ("consent_source", "consent_wording")
KNOWN_COLUMNS = ("email", *FIELD_COLUMNS, "birthday", *CONSENT_COLUMNS)
BATCH_SIZE = 1000
SHOWN_CHANGES = 200  # rows a report lists one by one (its counts cover them all)
IMPORT_SOURCE = "import"  # the log's and the report's name for this path


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (format, header); the message says why."""


@dataclass(frozen=True)
class Row:
    line: int  # as a spreadsheet numbers it: the header is line 1
    cells: dict[str, Any]


@dataclass
class ImportReport:
    """What an import did, or (dry run) would do."""

    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    consents: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    # The first SHOWN_CHANGES rows created or changed: (line, email, "created" | "changed", fields).
    changes: list[tuple[int, str, str, list[str]]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.refused)


def header_name(title: Any) -> str:
    """'First name' → first_name, 'Loyalty-Tier' → loyalty_tier."""
    return re.sub(r"[^a-z0-9]+", "_", str(title or "").strip().lower()).strip("_")


def check_header(titles: list[Any]) -> list[str]:
    names = [header_name(title) for title in titles]
    if "email" not in names:
        raise ImportFileError(_("the file needs an 'email' column"))
    bad = [str(title) for title, name in zip(titles, names)
           if name not in KNOWN_COLUMNS and (not ATTRIBUTE_NAME.match(name) or name in RESERVED_NAMES)]
    if bad:
        raise ImportFileError(_("columns %(columns)s can be neither a contact field nor an attribute name "
                                "(snake_case, not a contact field such as is_subscribed)")
                              % {"columns": ", ".join(map(repr, bad))})
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ImportFileError(_("columns appear twice: %(columns)s") % {"columns": ", ".join(repeated)})
    return names


def read_rows(content: bytes, filename: str) -> Iterator[Row]:
    """The rows of a CSV or XLSX file (by its extension); raises ImportFileError."""
    if filename.lower().endswith(".xlsx"):
        return _xlsx_rows(content)
    if filename.lower().endswith(".csv"):
        return _csv_rows(content)
    raise ImportFileError(_("%(file)r: only .csv and .xlsx files can be imported") % {"file": filename})


def _csv_rows(content: bytes) -> Iterator[Row]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("the CSV file is not UTF-8 text (%(reason)s at byte %(byte)s)")
                              % {"reason": exc.reason, "byte": exc.start}) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    names = check_header(next(reader, []))

    def rows() -> Iterator[Row]:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines
            if len(cells) != len(names):
                yield Row(reader.line_num, {"__error__": _("%(cells)d cells, the header has %(names)d")
                                                  % {"cells": len(cells), "names": len(names)}})
            else:
                yield Row(reader.line_num, dict(zip(names, cells)))

    return rows()


def _xlsx_rows(content: bytes) -> Iterator[Row]:
    try:
        dataset = tablib.Dataset().load(content, format="xlsx")
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise ImportFileError(_("the XLSX file cannot be read: %(error)s") % {"error": exc}) from None
    names = check_header(list(dataset.headers or []))
    return (Row(line, dict(zip(names, cells))) for line, cells in enumerate(dataset, start=2)
            if any(cell not in (None, "") for cell in cells))


@dataclass(frozen=True)
class CleanRow:
    line: int
    email: str
    data: ContactData
    birthday: Any
    consent_source: str
    consent_wording: str


def clean_row(row: Row) -> CleanRow:
    """One row validated like identify(); raises InvalidEvent with the reason.
    An empty cell leaves the field or attribute as it is."""
    cells = row.cells
    if "__error__" in cells:
        raise InvalidEvent(cells["__error__"])

    def cell(name: str) -> Any:
        value = cells.get(name)
        return value.strip() if isinstance(value, str) else value

    present = {name: value for name, value in ((n, cell(n)) for n in cells) if value not in (None, "")}
    email = normalise_email(str(present.get("email") or ""))
    attributes = {name: value for name, value in present.items() if name not in KNOWN_COLUMNS}
    data = clean_contact_data(attributes=attributes,
                              **{name: str(present[name]) for name in FIELD_COLUMNS if name in present})
    birthday = present.get("birthday")
    if birthday is not None and not hasattr(birthday, "year"):
        birthday = parse_date(str(birthday))
        if birthday is None:
            raise InvalidEvent(f"birthday {present['birthday']!r} is not a date (YYYY-MM-DD)")
    elif birthday is not None and hasattr(birthday, "date"):
        birthday = birthday.date()  # an XLSX date cell comes as a datetime
    return CleanRow(row.line, email, data, birthday, str(present.get("consent_source") or "")[:100],
                    str(present.get("consent_wording") or "")[:100])


def import_contacts(rows: Iterable[Row], *, dry_run: bool, batch_size: int = BATCH_SIZE,
                    on_batch: Callable[[ImportReport], None] | None = None) -> ImportReport:
    """Create or update the contacts of `rows`, batch by batch (each batch in
    its own transaction); `on_batch` is told after each. A dry run reports the
    same outcome and writes nothing."""
    report = ImportReport(dry_run=dry_run)
    seen: dict[str, int] = {}
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, batch_size)):
        cleaned = []
        for row in batch:
            try:
                clean = clean_row(row)
            except InvalidEvent as exc:
                report.refused.append((row.line, str(exc)))
                continue
            if clean.email in seen:
                report.refused.append((row.line, _("%(email)s is already on line %(line)s")
                                        % {"email": clean.email, "line": seen[clean.email]}))
                continue
            seen[clean.email] = row.line
            cleaned.append(clean)
        _import_batch(cleaned, report, dry_run)
        if on_batch is not None:
            on_batch(report)
    logger.info("contact import%s: %d created, %d updated, %d unchanged, %d refused",
                " (dry run)" if dry_run else "", report.created, report.updated, report.unchanged,
                len(report.refused))
    return report


def _import_batch(rows: list[CleanRow], report: ImportReport, dry_run: bool) -> None:
    """Four queries whatever the batch's size: contacts, suppressions, the
    writes of contacts (created, updated) and of consents."""
    if not rows:
        return
    emails = [row.email for row in rows]
    existing = {contact.email: contact for contact in
                Contact.objects.alias(email_ci=Lower("email")).filter(email_ci__in=emails)}
    hashes = {email_hash(email): email for email in emails}
    suppressed = dict(Suppression.objects.filter(email_hash__in=hashes).values_list("email_hash", "reason"))
    suppressed = {hashes[key]: reason for key, reason in suppressed.items()}
    now = timezone.now()
    created, updated, consents = [], [], []
    for row in rows:
        if suppressed.get(row.email) == ERASED:
            report.refused.append((row.line, _("this address was erased on request: nothing is stored about it")))
            continue
        contact = existing.get(row.email)
        is_new = contact is None
        if is_new:
            # No proof of consent, no marketing email.
            contact = Contact(email=row.email, is_subscribed=False, unsubscribed_at=None, created_at=now)
        changed = apply_contact_data(contact, row.data)
        if row.birthday is not None and contact.birthday != row.birthday:
            contact.birthday = row.birthday
            changed.append("birthday")
        if row.consent_source:
            consents.append(Consent(contact=contact, granted=True, source=row.consent_source,
                                    wording_version=row.consent_wording, recorded_at=now))
            if row.email not in suppressed and not contact.is_subscribed:
                contact.is_subscribed, contact.unsubscribed_at = True, None
                changed.append("is_subscribed")
        contact.updated_at = now
        if (is_new or changed or row.consent_source) and len(report.changes) < SHOWN_CHANGES:
            report.changes.append((row.line, row.email, "created" if is_new else "changed",
                                   [*changed, *(["consent"] if row.consent_source else [])]))
        if is_new:
            created.append(contact)
        elif changed or row.consent_source:
            updated.append(contact)
        else:
            report.unchanged += 1
    report.created += len(created)
    report.updated += len(updated)
    report.consents += len(consents)
    if dry_run:
        return
    with transaction.atomic():
        Contact.objects.bulk_create(created)
        Contact.objects.bulk_update(updated, ["first_name", "last_name", "time_zone", "locale", "phone",
                                              "attributes", "birthday", "is_subscribed", "unsubscribed_at",
                                              "updated_at"])
        for consent in consents:
            consent.contact_id = consent.contact.pk  # new contacts got theirs from bulk_create
        Consent.objects.bulk_create(consents)


REPORT_FIELDS = ("created", "updated", "unchanged", "consents", "refused", "changes")


def run_import_job(job_id: int, *, batch_size: int = BATCH_SIZE) -> ContactImport | None:
    """Run the queued import `job_id`, saving its counts and refused rows
    after each batch; None when it is not queued (a task delivered twice runs
    it once). A real run deletes the upload when it ends: it is personal data."""
    now = timezone.now()
    taken = ContactImport.objects.filter(pk=job_id, state=ContactImport.State.QUEUED).update(
        state=ContactImport.State.RUNNING, started_at=now, progress_at=now)
    if not taken:
        logger.info("contact import %s is not queued (already run?): skipped", job_id)
        return None
    job = ContactImport.objects.get(pk=job_id)

    def record_batch(report: ImportReport) -> None:
        for name in REPORT_FIELDS:
            setattr(job, name, getattr(report, name))
        job.rows_read, job.batches, job.progress_at = report.rows, job.batches + 1, timezone.now()
        job.save(update_fields=[*REPORT_FIELDS, "rows_read", "batches", "progress_at"])

    try:
        with default_storage.open(job.stored_name, "rb") as handle:
            content = handle.read()
        job.total_rows = sum(1 for _ in read_rows(content, job.stored_name))  # for the progress bar
        job.save(update_fields=["total_rows"])
        import_contacts(read_rows(content, job.stored_name), dry_run=job.dry_run, batch_size=batch_size,
                        on_batch=record_batch)
    except (OSError, ImportFileError) as exc:
        logger.warning("contact import %s of %r failed: %s", job.pk, job.file_name, exc)
        job.state, job.error = ContactImport.State.FAILED, str(exc)
    except Exception:  # noqa: BLE001 - the admin is told, the log has the traceback
        logger.exception("contact import %s of %r failed", job.pk, job.file_name)
        job.state, job.error = ContactImport.State.FAILED, "an unexpected error stopped the import (see the server log)"
    else:
        job.state = ContactImport.State.DONE
    job.finished_at = timezone.now()
    # Only while it is still running: a job declared stalled meanwhile stays failed.
    ContactImport.objects.filter(pk=job.pk, state=ContactImport.State.RUNNING).update(
        state=job.state, error=job.error, finished_at=job.finished_at)
    if not job.dry_run:
        default_storage.delete(job.stored_name)
    return job


STALLED = ("its worker was stopped or lost before it ended. Rows imported so far stay; upload the file "
           "again to import the rest (rows already imported are left unchanged)")


def fail_stalled_imports(now: dt.datetime, jobs: QuerySet[ContactImport] | None = None) -> int:
    """Fail the running jobs (of `jobs`, default all) that made no progress for
    IMPORT_STALLED_MINUTES, so no progress bar waits for ever, and delete
    their uploads (personal data); returns how many."""
    cutoff = now - dt.timedelta(minutes=drip_settings.IMPORT_STALLED_MINUTES)
    stalled = (ContactImport.objects.all() if jobs is None else jobs).filter(
        state=ContactImport.State.RUNNING, progress_at__lt=cutoff)
    failed = 0
    for job in stalled:
        if ContactImport.objects.filter(pk=job.pk, state=ContactImport.State.RUNNING).update(
                state=ContactImport.State.FAILED, error=STALLED, finished_at=now):
            logger.warning("contact import %s of %r made no progress since %s: failed", job.pk, job.file_name,
                           job.progress_at)
            default_storage.delete(job.stored_name)
            failed += 1
    return failed


def delete_unconfirmed_uploads(now: dt.datetime) -> int:
    """Delete the files of dry runs finished more than IMPORT_UPLOAD_HOURS ago
    and never confirmed: an upload is personal data, kept only to be imported."""
    cutoff = now - dt.timedelta(hours=drip_settings.IMPORT_UPLOAD_HOURS)
    confirmed = ContactImport.objects.filter(dry_run=False).values("stored_name")
    deleted = 0
    for job in (ContactImport.objects.filter(dry_run=True, finished_at__lt=cutoff)
                .exclude(stored_name__in=confirmed)):
        if default_storage.exists(job.stored_name):
            default_storage.delete(job.stored_name)
            deleted += 1
    if deleted:
        logger.info("deleted %s contact import uploads never confirmed", deleted)
    return deleted
