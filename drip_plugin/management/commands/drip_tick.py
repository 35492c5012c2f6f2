from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from drip_plugin.scheduling import tick


class Command(BaseCommand):
    help = "Run one drip tick now: advance due enrollments and send due messages."

    def handle(self, *args, **options):
        result = tick()
        self.stdout.write(
            _("enrollments advanced: %(enrollments)s, sent: %(sent)s, failed: %(failed)s, retry scheduled: %(retried)s, "
              "suppressed: %(suppressed)s") % {"enrollments": result.enrollments, "sent": result.sent,
                                               "failed": result.failed, "retried": result.retried,
                                               "suppressed": result.suppressed}
        )
