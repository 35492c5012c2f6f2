from django.core.management.base import BaseCommand

from drip_plugin.retention import prune


class Command(BaseCommand):
    help = ("Delete tracked events and ESP/tracking events older than RETAIN_EVENTS_DAYS / "
            "RETAIN_MESSAGE_EVENTS_DAYS (reports, suppressions and consent proofs are kept).")

    def handle(self, *args, **options):
        pruned = prune()
        self.stdout.write(f"events deleted: {pruned.events}, message events deleted: {pruned.message_events}")
