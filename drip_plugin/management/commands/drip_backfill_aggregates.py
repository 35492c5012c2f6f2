from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from drip_plugin.analytics.aggregates import backfill


class Command(BaseCommand):
    help = ("Rebuild the report's daily aggregates from the stored journeys, messages and events "
            "(once after upgrading; live counting keeps them from then on).")

    def handle(self, *args, **options):
        step_days, revenue_rows = backfill()
        self.stdout.write(_("rebuilt %(step_days)s step-day rows and %(revenue_rows)s revenue rows")
                          % {"step_days": step_days, "revenue_rows": revenue_rows})
