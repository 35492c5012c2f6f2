from django.core.management.base import BaseCommand
from django.template.defaultfilters import pluralize

from drip_plugin.starters import create_all_starters


class Command(BaseCommand):
    help = ("Create the starter sequences (welcome, cart abandonment, order → review, renewal, win-back, "
            "birthday) and their emails as drafts; existing ones (same name) are left alone.")

    def handle(self, *args, **options):
        for sequence, created in create_all_starters():
            if created:
                steps = sequence.steps.count()
                self.stdout.write(f"created draft {sequence.name!r} ({steps} step{pluralize(steps)}): "
                                  "review and publish it and its emails in the admin")
            else:
                self.stdout.write(f"exists, unchanged: {sequence.name!r}")
