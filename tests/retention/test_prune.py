"""Issue 23, goal 4 (retention): drip_prune deletes old events and ESP/tracking
events, and keeps what reports read, suppressions and consent proofs."""
from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.test.utils import override_settings

from drip_plugin import record_consent, track
from drip_plugin.analytics.sequence_report import Period, sequence_report
from drip_plugin.consent.suppression import suppress
from drip_plugin.models import Consent, Enrollment, Event, MessageEvent, Suppression
from drip_plugin.scheduling.beat import PRUNE_PERIODIC_TASK_NAME, register_tick_schedule
from tests.analytics.test_sequence_report import at, seed_ab_sequence, seed_engagement

RETAIN = {"RETAIN_EVENTS_DAYS": 30, "RETAIN_MESSAGE_EVENTS_DAYS": 30, "POSTAL_ADDRESS": "1 High Street"}


def report_figures(report) -> tuple:
    def of(f):
        return (f.sent, f.delivered, f.opened, f.clicked, f.opens, f.clicks, f.converted, dict(f.revenue))

    return (report.entered, report.entered_before, report.exits, [of(row.current) for row in report.rows],
            [of(step.current) for step in report.steps], {day: of(f) for day, f in report.days.items()},
            of(report.total))


def prune_output() -> str:
    out = io.StringIO()
    call_command("drip_prune", stdout=out)
    return out.getvalue()


@override_settings(TIME_ZONE="Europe/Paris")
def test_point4_pruning_keeps_the_sequence_report_equal_before_and_after(db, clock):
    sequence = seed_ab_sequence(clock)
    seed_engagement(clock)
    period = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 4))
    before = report_figures(sequence_report(sequence, period))
    events, message_events = Event.objects.count(), MessageEvent.objects.count()
    assert events and message_events
    at(clock, 2026, 6, 1, 9, 0)  # three months on
    with override_settings(DRIP_PLUGIN=RETAIN):
        assert prune_output() == f"events deleted: {events}, message events deleted: {message_events}\n"
    assert not Event.objects.exists() and not MessageEvent.objects.exists()
    assert report_figures(sequence_report(sequence, period)) == before
    assert before[0] == 4 and before[3], "the report had figures to keep"


def test_point4_prune_keeps_suppressions_consent_proofs_and_active_journeys_trigger_events(db, clock, make_sequence):
    make_sequence(name="Cart", trigger="checkout_started", steps=((60, "days", "Still thinking?"),),
                  journey_per="checkout_id")
    cart = track("checkout_started", email="ann@example.com", properties={"checkout_id": "c1"})
    track("product_viewed", email="ann@example.com", properties={"product_id": "42"})
    record_consent(email="ann@example.com", source="signup form", wording_version="v1")
    suppress("bounced@example.com", "bounced")
    clock.shift(dt.timedelta(days=40))
    with override_settings(DRIP_PLUGIN=RETAIN):
        assert prune_output() == "events deleted: 1, message events deleted: 0\n"
    assert list(Event.objects.all()) == [cart], "the cart its journey's email will show is kept"
    assert Enrollment.objects.get().trigger_event == cart
    assert Consent.objects.filter(contact__email="ann@example.com", wording_version="v1").exists()
    assert Suppression.objects.filter(reason="bounced").exists()


def test_point4_prune_keeps_everything_when_no_retention_is_set(db, clock):
    track("product_viewed", email="ann@example.com", properties={"product_id": "42"})
    clock.shift(dt.timedelta(days=4000))
    assert prune_output() == "events deleted: 0, message events deleted: 0\n"
    assert Event.objects.count() == 1


def test_point4_prune_runs_daily_from_beat(db):
    from django_celery_beat.models import PeriodicTask

    register_tick_schedule()
    task = PeriodicTask.objects.get(name=PRUNE_PERIODIC_TASK_NAME)
    assert (task.task, task.interval.every, task.interval.period, task.enabled) == ("drip_plugin.tasks.prune", 1,
                                                                                    "days", True)
