"""Print what drip would send, and when, without sending or saving anything."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from drip_plugin.engine.simulate import SimulatedEvent, parse_event_stream, simulate_for


def load_events(path: str, *, default_email: str | None) -> list[SimulatedEvent]:
    try:
        with open(path, encoding="utf-8") as handle:
            return parse_event_stream(handle.read(), default_email=default_email, source=path)
    except OSError as exc:
        raise CommandError(f"{path}: {exc}") from None
    except ValueError as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    help = (
        "Print the timeline drip would follow (emails, exits) without sending or saving anything. "
        "Either --events FILE.yaml (a list of {at, event, email, properties}) or --email ADDRESS alone "
        "to play a contact's current journeys forward."
    )

    def add_arguments(self, parser):
        parser.add_argument("--events", help="YAML file with the event stream")
        parser.add_argument("--email", help="contact the events are about (default for events without email)")
        parser.add_argument("--days", type=int, default=90, help="how far to look ahead (default 90)")

    def handle(self, *args, events=None, email=None, days=90, **options):
        if not events and not email:
            raise CommandError(_("give --events FILE.yaml or --email ADDRESS"))
        stream = load_events(events, default_email=email) if events else []
        timeline = simulate_for(stream, email=email, days=days)
        for entry in timeline:
            self.stdout.write(str(entry))
        if not timeline:
            self.stdout.write(_("nothing would happen"))
