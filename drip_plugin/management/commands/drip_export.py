from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from drip_plugin.engine.transfer import export_yaml
from drip_plugin.models import Sequence


class Command(BaseCommand):
    help = "Write sequences as YAML (all, or those named) to stdout or --output."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="sequence names (default: all)")
        parser.add_argument("--output", "-o", help="file to write")
        parser.add_argument("--latest", action="store_true", help="export latest revisions (drafts), not live versions")

    def handle(self, *args, names=(), output=None, latest=False, **options):
        sequences = list(Sequence.objects.order_by("name"))
        if names:
            missing = set(names) - {s.name for s in sequences}
            if missing:
                raise CommandError(_("no sequence named %(names)s") % {"names": ", ".join(sorted(missing))})
            sequences = [s for s in sequences if s.name in names]
        text = export_yaml(sequences, latest=latest)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
