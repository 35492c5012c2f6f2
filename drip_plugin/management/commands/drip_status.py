from django.core.management.base import BaseCommand
from django.utils import timezone

from drip_plugin.health.figures import health_figures, sample_lines


class Command(BaseCommand):
    help = "Print the operator's figures (queue depth, lag, failures, webhook intake), as /metrics/ serves them."

    def handle(self, *args, **options):
        for line in sample_lines(health_figures(timezone.now())):
            self.stdout.write(line)
