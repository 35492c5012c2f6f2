"""Print what drip would send, and when, without sending or saving anything."""
from __future__ import annotations

import datetime as dt

import yaml
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from drip_plugin.engine.simulate import SimulatedEvent, simulate


def _moment(value, where: str) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    if moment is None:
        raise CommandError(f"{where}: {value!r} is not a date-time (use ISO 8601, e.g. 2026-03-02T09:00:00Z)")
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def load_events(path: str, *, default_email: str | None) -> list[SimulatedEvent]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise CommandError(f"{path}: {exc}") from None
    if not isinstance(data, list):
        raise CommandError(f"{path}: expected a list of events")
    events = []
    for index, item in enumerate(data):
        where = f"{path}: [{index}]"
        if not isinstance(item, dict) or "event" not in item or "at" not in item:
            raise CommandError(f"{where}: each event needs `at` and `event`")
        email = item.get("email") or default_email
        if not email:
            raise CommandError(f"{where}: no `email` and no --email given")
        events.append(SimulatedEvent(_moment(item["at"], f"{where}.at"), item["event"], email, item.get("properties") or {}))
    return events


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
            raise CommandError("give --events FILE.yaml or --email ADDRESS")
        stream = load_events(events, default_email=email) if events else []
        start = stream[0].at if stream else timezone.now()
        timeline = simulate(stream, until=start + dt.timedelta(days=days))
        for entry in timeline:
            if email and not events and entry.email != email.lower():
                continue
            self.stdout.write(str(entry))
        if not timeline:
            self.stdout.write("nothing would happen")
