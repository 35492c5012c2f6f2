from django.core.management.base import BaseCommand

from drip_plugin.retention import prune


class Command(BaseCommand):
    help = ("Delete or compact tracked events, ESP/tracking events, and finished messages' and journeys' details "
            "older than RETAIN_EVENTS_DAYS / RETAIN_MESSAGE_EVENTS_DAYS / RETAIN_DETAILS_DAYS (every report, "
            "suppressions and consent proofs are kept).")

    def handle(self, *args, **options):
        pruned = prune()
        self.stdout.write(f"events deleted: {pruned.events}, message events deleted: {pruned.message_events}, "
                          f"messages compacted: {pruned.messages_compacted}, "
                          f"journeys compacted: {pruned.journeys_compacted}")
