"""Import contacts from a CSV or XLSX file (see drip_plugin.ingest.contact_import)."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from drip_plugin.ingest.contact_import import BATCH_SIZE, ImportFileError, ImportReport, import_contacts, read_rows


class Command(BaseCommand):
    help = ("Import contacts from FILE (.csv or .xlsx): email, first_name, last_name, time_zone, locale, phone, "
            "birthday, consent_source, consent_wording; any other column becomes an attribute. Contacts without "
            "a consent_source are not subscribed to marketing email.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="report what would happen; write nothing")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, file: str, dry_run: bool = False, batch_size: int = BATCH_SIZE, **options):
        path = Path(file)
        try:
            rows = read_rows(path.read_bytes(), path.name)
        except OSError as exc:
            raise CommandError(f"{file}: {exc}") from None
        except ImportFileError as exc:
            raise CommandError(f"{file}: {exc}") from None

        def progress(report: ImportReport) -> None:
            self.stderr.write("\r" + _("%(rows)s rows read") % {"rows": report.rows}, ending="")

        report = import_contacts(rows, dry_run=dry_run, batch_size=batch_size, on_batch=progress)
        self.stderr.write("")
        for line, reason in report.refused:
            self.stdout.write(_("line %(line)s: refused: %(reason)s") % {"line": line, "reason": reason})
        summary = (_("%(created)s would be created, %(updated)s would be changed, %(unchanged)s unchanged, "
                     "%(refused)s refused, %(consents)s consent records.") if dry_run else
                   _("%(created)s were created, %(updated)s were changed, %(unchanged)s unchanged, "
                     "%(refused)s refused, %(consents)s consent records."))
        self.stdout.write(summary % {"created": report.created, "updated": report.updated,
                                     "unchanged": report.unchanged, "refused": len(report.refused),
                                     "consents": report.consents})
