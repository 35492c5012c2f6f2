from django.core.management.base import BaseCommand

from drip_plugin.scheduling import tick


class Command(BaseCommand):
    help = "Run one drip tick now: advance due enrollments and send due messages."

    def handle(self, *args, **options):
        result = tick()
        self.stdout.write(
            f"enrollments advanced: {result.enrollments}, sent: {result.sent}, failed: {result.failed}, "
            f"retry scheduled: {result.retried}, suppressed: {result.suppressed}"
        )
