from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from drip_plugin.engine.transfer import ImportProblems, import_yaml


class Command(BaseCommand):
    help = "Import sequences from YAML as draft revisions (live versions keep sending until published)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="YAML file written by drip_export")

    def handle(self, *args, path, **options):
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise CommandError(str(exc)) from None
        try:
            saved = import_yaml(text)
        except ImportProblems as exc:
            raise CommandError(_("%(path)s: nothing imported:") % {"path": path} + "".join(f"\n  {p}" for p in exc.problems)
                               ) from None
        for sequence in saved:
            self.stdout.write(_("draft revision saved for “%(name)s” — review and publish it in the admin")
                              % {"name": sequence.name})
