from django.core.management.base import BaseCommand, CommandError

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
            raise CommandError(f"{path}: nothing imported:\n" + "\n".join(f"  {p}" for p in exc.problems)) from None
        for sequence in saved:
            self.stdout.write(f"draft revision saved for {sequence.name!r} — review and publish it in the admin")
