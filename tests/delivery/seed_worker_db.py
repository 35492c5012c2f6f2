"""Create the fault tests' own database and give it drip work: a live
two-step sequence and `contacts` sign-ups (the tick is registered with beat
after the tables are made).

usage: python -m tests.delivery.seed_worker_db <contacts>
(environment as for tests.delivery.celery_app)
"""
import sys

import tests.delivery.celery_app  # noqa: F401  (points the settings at the test's services)
import tests.settings as test_settings  # noqa: E402


class NoMigrations(dict):
    """Tables made from the models at once, as pytest's --nomigrations does:
    running Wagtail's and Django's migrations on a new server takes minutes."""

    def __contains__(self, app_label):
        return True

    def __getitem__(self, app_label):
        return None


test_settings.MIGRATION_MODULES = NoMigrations()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from wagtail.models import Locale  # noqa: E402

from drip_plugin import track  # noqa: E402
from tests.factories import build_sequence  # noqa: E402

call_command("migrate", run_syncdb=True, verbosity=0)
Locale.objects.get_or_create(language_code="en")  # Wagtail's migration would have made it
build_sequence(steps=[(0, "days", "First, {{ contact.first_name }}"), (0, "days", "Second")])
for i in range(int(sys.argv[1])):
    track("signed_up", email=f"chaos{i}@example.com")
