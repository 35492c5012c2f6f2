from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _, ngettext

from drip_plugin.starters import create_all_starters


class Command(BaseCommand):
    help = ("Create the starter sequences (welcome, cart abandonment, order → review, renewal, win-back, "
            "birthday) and their emails as drafts; existing ones (same name) are left alone.")

    def handle(self, *args, **options):
        for sequence, created in create_all_starters():
            if created:
                steps = sequence.steps.count()
                self.stdout.write(ngettext("created draft “%(name)s” (%(steps)d step): review and publish it and its "
                                           "emails in the admin",
                                           "created draft “%(name)s” (%(steps)d steps): review and publish it and its "
                                           "emails in the admin", steps) % {"name": sequence.name, "steps": steps})
            else:
                self.stdout.write(_("exists, unchanged: “%(name)s”") % {"name": sequence.name})
