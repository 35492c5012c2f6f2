"""Issue 23, goal 4 (retention): drip_prune deletes old events, ESP/tracking
events but each message's first of each kind, compacts old messages and
journeys, and keeps every report equal, suppressions and consent proofs."""
from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.test.utils import override_settings

from drip_plugin import record_consent, tasks, track
from drip_plugin.analytics.experiments import goal_figures
from drip_plugin.analytics.flow import build_flow
from drip_plugin.analytics.reports import step_report
from drip_plugin.analytics.sequence_report import Period, sequence_report
from drip_plugin.consent.suppression import suppress
from drip_plugin.health.dashboard import dashboard_figures
from drip_plugin.models import Consent, Enrollment, Event, Message, MessageEvent, Sequence, Suppression
from drip_plugin.scheduling import tick
from drip_plugin.scheduling.beat import PRUNE_PERIODIC_TASK_NAME, register_tick_schedule
from tests.analytics.test_conversions import engage
from tests.analytics.test_sequence_report import at, message, seed_ab_sequence, seed_engagement

RETAIN = {"RETAIN_EVENTS_DAYS": 30, "RETAIN_MESSAGE_EVENTS_DAYS": 30, "RETAIN_DETAILS_DAYS": 30,
          "POSTAL_ADDRESS": "1 High Street"}


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


def pruned(events: int, message_events: int, messages: int = 0, journeys: int = 0) -> str:
    return (f"events deleted: {events}, message events deleted: {message_events}, messages compacted: {messages}, "
            f"journeys compacted: {journeys}\n")


def every_report(sequence: Sequence, now: dt.datetime) -> dict:
    """What each report and the dashboard show, as plain values."""
    all_time = [(figures.sequence.pk, [vars(step) for step in figures.steps]) for figures in step_report()]
    flow = [(node.key, node.waiting, node.sent, node.converted) for node in build_flow(sequence).nodes]
    goal = goal_figures(sequence)
    return {
        "sequence report, March": report_figures(sequence_report(sequence, Period(dt.date(2026, 3, 1),
                                                                                  dt.date(2026, 3, 31)))),
        "sequence report, to date": report_figures(sequence_report(sequence, Period(dt.date(2026, 3, 1),
                                                                                    dt.date(2026, 6, 10)))),
        "all-time report": all_time,
        "flow": flow,
        "goal": (goal.entered, goal.reached, [(step.pk, sent, reached) for step, sent, reached in goal.steps],
                 goal.holdout_size),
        "dashboard": dashboard_figures(now),
    }


@override_settings(TIME_ZONE="Europe/Paris")
def test_point_pruning_keeps_reports_equal_before_and_after(db, clock):
    sequence = seed_ab_sequence(clock)
    sequence.goal_event = "order_completed"
    sequence.save(update_fields=["goal_event"])
    seed_engagement(clock)  # March: opens (ann's twice), clicks, an order, step two to all four
    engage(message("cat@example.com", 0), "bounced")  # a soft or hard bounce counts in the all-time report
    record_consent(email="ann@example.com", source="signup form", wording_version="v1")
    at(clock, 2026, 6, 10, 9, 0)  # three months on: eve's journey is recent
    track("signed_up", email="eve@example.com")
    tick()
    engage(message("eve@example.com", 0), "opened")
    engage(message("eve@example.com", 0), "opened")
    june = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # eve's signup, and cat's win-back event emitted by the tick
    recent = {"events": set(Event.objects.filter(received_at__gte=june)),
              "message events": set(MessageEvent.objects.filter(recipient="eve@example.com")),
              "message": Message.objects.values().get(to_email="eve@example.com")}
    now = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)
    before = every_report(sequence, now)
    old_events = Event.objects.filter(received_at__lt=june).count()
    with override_settings(DRIP_PLUGIN=RETAIN):
        # ann's second open goes (her first stays); the 8 March messages lose
        # subject and claim; the 4 finished March journeys had no details.
        assert prune_output() == pruned(old_events, 1, messages=8)
        assert prune_output() == pruned(0, 0), "a second run finds nothing left to do"

    assert every_report(sequence, now) == before
    assert before["sequence report, March"][0] == 4 and sum(step["bounced"] for step in before["all-time report"][0][1]) == 1
    assert not Message.objects.exclude(to_email="eve@example.com").exclude(subject="").exists()
    assert MessageEvent.objects.filter(recipient="ann@example.com", event_type="opened").count() == 1
    assert Consent.objects.filter(contact__email="ann@example.com", wording_version="v1").exists()
    assert Suppression.objects.filter(reason="hard bounce").exists(), "cat's bounce suppressed her"
    # Recent rows untouched.
    assert set(Event.objects.all()) == recent["events"]
    assert set(MessageEvent.objects.filter(recipient="eve@example.com")) == recent["message events"]
    assert Message.objects.values().get(to_email="eve@example.com") == recent["message"]


def test_point_pruning_keeps_a_later_open_from_counting_a_message_opened_twice(db, clock, make_sequence):
    """A message's first honest open is kept, so an open after the prune is
    a repeat open, not a newly opened message."""
    from drip_plugin.models import StepDay

    make_sequence(name="Welcome", trigger="signed_up", steps=((0, "days", "Hello"),))
    track("signed_up", email="ann@example.com")
    tick()
    sent = Message.objects.get()
    engage(sent, "opened")
    engage(sent, "opened")
    clock.shift(dt.timedelta(days=40))
    with override_settings(DRIP_PLUGIN=RETAIN):
        assert prune_output() == pruned(1, 1, messages=1)
    engage(sent, "opened")
    opened = StepDay.objects.values_list("opened", flat=True)
    assert sum(opened) == 1 and MessageEvent.objects.filter(message=sent).count() == 2


def test_point4_prune_keeps_suppressions_consent_proofs_and_active_journeys_trigger_events(db, clock, make_sequence):
    make_sequence(name="Cart", trigger="checkout_started", steps=((60, "days", "Still thinking?"),),
                  journey_per="checkout_id")
    cart = track("checkout_started", email="ann@example.com", properties={"checkout_id": "c1"})
    track("product_viewed", email="ann@example.com", properties={"product_id": "42"})
    record_consent(email="ann@example.com", source="signup form", wording_version="v1")
    suppress("bounced@example.com", "bounced")
    clock.shift(dt.timedelta(days=40))
    with override_settings(DRIP_PLUGIN=RETAIN):
        assert prune_output() == pruned(1, 0)
    assert list(Event.objects.all()) == [cart], "the cart its journey's email will show is kept"
    assert Enrollment.objects.get().trigger_event == cart
    assert Consent.objects.filter(contact__email="ann@example.com", wording_version="v1").exists()
    assert Suppression.objects.filter(reason="bounced").exists()


def test_point4_prune_keeps_everything_when_no_retention_is_set(db, clock):
    track("product_viewed", email="ann@example.com", properties={"product_id": "42"})
    clock.shift(dt.timedelta(days=4000))
    assert prune_output() == pruned(0, 0)
    assert Event.objects.count() == 1


def test_point4_prune_runs_daily_from_beat(db):
    from django_celery_beat.models import PeriodicTask

    register_tick_schedule()
    task = PeriodicTask.objects.get(name=PRUNE_PERIODIC_TASK_NAME)
    assert (task.task, task.interval.every, task.interval.period, task.enabled) == ("drip_plugin.tasks.prune", 1,
                                                                                    "days", True)


def test_point_prune_task_is_a_thin_shell_over_prune(db, clock):
    track("product_viewed", email="ann@example.com", properties={"product_id": "42"})
    clock.shift(dt.timedelta(days=40))
    with override_settings(DRIP_PLUGIN=RETAIN):
        assert tasks.prune.apply().get() == {"events": 1, "message_events": 0, "messages_compacted": 0,
                                             "journeys_compacted": 0, "imports_stalled": 0, "uploads_deleted": 0}
    assert not Event.objects.exists()
