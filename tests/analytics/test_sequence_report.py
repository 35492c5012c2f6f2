"""Issue 19: the sequence report over a date range, read from the daily
aggregates (kept live, rebuilt by drip_backfill_aggregates), with honest counts."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import tablib
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from drip_plugin import track
from drip_plugin.admin_views.dashboard import DripDashboardPanel
from drip_plugin.analytics.aggregates import backfill, site_day
from drip_plugin.analytics.sequence_report import Period, sequence_report
from drip_plugin.health.dashboard import dashboard_figures
from drip_plugin.links.signed import EmailLinks
from drip_plugin.models import (Contact, Email, Enrollment, Message, MessageEvent, Sequence, SequenceDay,
                                SequenceDayExit, Step, StepDay, StepDayRevenue, StepVariant)
from drip_plugin.models.enrollments import EnrollmentState
from drip_plugin.models.messages import MessageStatus
from drip_plugin.scheduling import tick
from tests.analytics.test_conversions import engage
from tests.factories import BODY, build_sequence, engage_as_no_person, logged_in_editor, sent_message

UTC = dt.UTC


def at(clock, *args) -> None:
    clock.move_to(dt.datetime(*args, tzinfo=UTC))


def seed_ab_sequence(clock) -> Sequence:
    """Step one A/B-tested: ann and bob get A, cat and dan B (sent 2 March
    09:00 UTC = 10:00 Paris); step two a day later to all four."""
    variant = Email.objects.create(name="One B", subject="One B", mjml=BODY, live=True)
    sequence = build_sequence(steps=[{"delay_amount": 0, "delay_unit": "days", "subject": "One"},
                                     (1, "days", "Two")])
    one = sequence.steps.order_by("sort_order").first()
    StepVariant.objects.create(step=one, label="B", email=variant)
    Step.objects.filter(pk=one.pk).update(experiment_state="stopped")  # no winner: everyone gets A
    for name in ("ann", "bob"):
        track("signed_up", email=f"{name}@example.com")
    tick()
    Step.objects.filter(pk=one.pk).update(experiment_state="running", control_weight=0)  # everyone gets B
    for name in ("cat", "dan"):
        track("signed_up", email=f"{name}@example.com")
    tick()
    return sequence


def message(address: str, sort_order: int) -> Message:
    return Message.objects.get(to_email=address, step__sort_order=sort_order)


def seed_engagement(clock) -> None:
    at(clock, 2026, 3, 2, 10, 0)
    engage(message("ann@example.com", 0), "opened")
    engage(message("ann@example.com", 0), "opened")  # twice: one opened message, two opens
    engage(message("cat@example.com", 0), "opened")
    engage(message("cat@example.com", 0), "clicked")
    track("order_completed", email="cat@example.com",
          properties={"order_id": "o1", "order": {"total": "25.00", "currency": "EUR"}})
    at(clock, 2026, 3, 3, 9, 0)
    tick()  # step two to all four (sent 3 March, 10:00 Paris)
    at(clock, 2026, 3, 3, 22, 30)  # 23:30 in Paris, 3 March: the range's last day
    engage(message("bob@example.com", 1), "opened")
    at(clock, 2026, 3, 3, 23, 30)  # 00:30 in Paris, 4 March (still 3 March in UTC): after the range
    engage(message("dan@example.com", 1), "opened")
    engage(message("dan@example.com", 1), "clicked")


def figures(row) -> tuple:
    return (row.current.sent, row.current.opened, row.current.clicked, row.current.converted)


@override_settings(TIME_ZONE="Europe/Paris")
def test_point_report_funnel_series_and_exports_equal_hand_counts_at_the_range_edges_in_site_time_zone(
        db, clock, admin_client):
    sequence = seed_ab_sequence(clock)
    seed_engagement(clock)
    report = sequence_report(sequence, Period(dt.date(2026, 3, 1), dt.date(2026, 3, 3)))

    assert report.entered == 4
    one, two = report.steps
    assert figures(one) == (4, 2, 1, 1) and figures(two) == (4, 1, 0, 0), "dan's open at 00:30 Paris is out"
    assert one.current.revenue == {"EUR": Decimal("25.00")} and one.current.open_rate == 50.0
    assert two.current.opens == 1 and two.current.open_rate == 25.0
    one_a, one_b, two_row = report.rows
    assert (one_a.variant, figures(one_a), one_a.current.opens) == ("A", (2, 1, 0, 0), 2)
    assert (one_b.variant, figures(one_b), dict(one_b.current.revenue)) == ("B", (2, 1, 1, 1),
                                                                             {"EUR": Decimal("25.00")})
    assert figures(two_row) == (4, 1, 0, 0)
    days = {day: (f.sent, f.opened, f.clicked, f.converted) for day, f in report.days.items()}
    assert days == {dt.date(2026, 3, 1): (0, 0, 0, 0), dt.date(2026, 3, 2): (4, 2, 1, 1),
                    dt.date(2026, 3, 3): (4, 1, 0, 0)}
    assert report.days[dt.date(2026, 3, 2)].revenue == {"EUR": Decimal("25.00")}

    # The next day holds dan's open and click; the range before it (previous period) nothing.
    later = sequence_report(sequence, Period(dt.date(2026, 3, 4), dt.date(2026, 3, 4)))
    assert figures(later.steps[1]) == (0, 1, 1, 0) and later.steps[1].previous.sent == 4
    assert report.steps[0].previous.sent == 0 and report.entered_before == 0

    query = f"/admin/drip/report/{sequence.pk}/?days=custom&start=2026-03-01&end=2026-03-03"
    csv_text = admin_client.get(query + "&export=csv").content.decode()
    daily, steps = csv_text.split("\r\n\r\n")
    assert daily.splitlines()[1:] == ["2026-03-01,0,0,0,0,0,0,0", "2026-03-02,4,2,1,1,3,1,25.00",
                                      "2026-03-03,4,1,0,0,1,0,0"]
    assert steps.splitlines()[1:] == ["Send an email #1,A,2,0,1,0,0,2,0,–", "Send an email #1,B,2,0,1,1,1,1,1,25.00 EUR",
                                      "Send an email #2,,4,0,1,0,0,1,0,–"]
    book = tablib.Databook()
    book.load(admin_client.get(query + "&export=xlsx").content, "xlsx")
    daily_sheet, steps_sheet = book.sheets()
    assert [row[:5] for row in daily_sheet] == [("2026-03-01", 0, 0, 0, 0), ("2026-03-02", 4, 2, 1, 1),
                                                ("2026-03-03", 4, 1, 0, 0)]
    assert [row[:7] for row in steps_sheet][1] == ("Send an email #1", "B", 2, 0, 1, 1, 1)

    page = admin_client.get(query).content.decode()
    assert page.count('class="pygal-chart"') == 2 and 'id="funnel"' in page and 'id="days"' in page
    assert "50.0 %" in page and "25.00 EUR" in page


def test_point_backfill_builds_the_aggregates_kept_live(db, clock, client):
    sequence = seed_ab_sequence(clock)
    seed_engagement(clock)
    pixel = EmailLinks().open(message("bob@example.com", 0).pk)
    logged_in_editor(client)
    client.get(pixel)  # a staff open: flagged, counted apart

    def snapshot():
        counts = {tuple(row.pop(name) for name in ("step_id", "variant", "day")): row for row in
                  StepDay.objects.values("step_id", "variant", "day", "sent", "delivered", "opens", "clicks",
                                         "opened", "clicked", "opens_flagged", "clicks_flagged", "converted")}
        money = set(StepDayRevenue.objects.values_list("step_id", "variant", "day", "currency", "amount"))
        return counts, money

    live = snapshot()
    assert sum(row["sent"] for row in live[0].values()) == 8 and sum(
        row["opens_flagged"] for row in live[0].values()) == 1
    out = io.StringIO()
    call_command("drip_backfill_aggregates", stdout=out)
    assert "rebuilt" in out.getvalue()
    assert snapshot() == live
    assert sequence_report(sequence, Period(dt.date(2026, 3, 1), dt.date(2026, 3, 5))).total.opened == 4


def test_point_honest_counts_staff_and_prefetch_opens_excluded_from_rates_and_shown_apart(db, clock, client):
    sent = sent_message("ann@example.com")
    pixel, link = engage_as_no_person(client, clock, sent)
    client.get(pixel)  # an editor looking at the email
    client.get(link)
    assert sorted(MessageEvent.objects.values_list("event_type", "flag")) == [
        ("clicked", "scanner"), ("clicked", "staff"), ("opened", "prefetch"), ("opened", "staff")]
    today = timezone.localdate()
    report = sequence_report(sent.step.sequence, Period(today, today))
    (step,) = report.steps
    assert (step.current.sent, step.current.opened, step.current.clicked) == (1, 0, 0)
    assert step.current.open_rate == 0.0 and step.current.click_rate == 0.0
    assert (step.current.raw_opens, step.current.raw_clicks) == (2, 2)

    client.logout()
    client.get(pixel)  # the contact, at last
    report = sequence_report(sent.step.sequence, Period(today, today))
    assert (report.steps[0].current.opened, report.steps[0].current.raw_opens) == (1, 3)
    assert report.steps[0].current.open_rate == 100.0


def journey_days() -> tuple[set, set]:
    return (set(SequenceDay.objects.values_list("sequence_id", "day", "entered")),
            set(SequenceDayExit.objects.values_list("sequence_id", "day", "reason", "exited")))


@override_settings(TIME_ZONE="Europe/Paris")
def test_point_backfill_journeys_entered_and_exits_by_reason_kept_live_equal_the_backfill(db, clock):
    sequence = build_sequence(exit_events="order_completed", steps=[(0, "days", "One"), (1, "days", "Two")])
    at(clock, 2026, 3, 2, 22, 30)  # 23:30 in Paris: 2 March
    for name in ("ann", "bob", "cat", "dan"):
        track("signed_up", email=f"{name}@example.com")
    tick()
    at(clock, 2026, 3, 2, 23, 30)  # 00:30 in Paris: 3 March (2 March in UTC)
    track("signed_up", email="eve@example.com")
    track("order_completed", email="ann@example.com", properties={"order_id": "o1"})  # exit event
    Contact.objects.filter(email="bob@example.com").update(is_subscribed=False)
    at(clock, 2026, 3, 4, 9, 0)
    tick()  # bob's step two: "contact unsubscribed"
    assert dict(Enrollment.objects.values_list("contact__email", "exit_reason")) == {
        "ann@example.com": "exit event order_completed", "bob@example.com": "contact unsubscribed",
        "cat@example.com": "", "dan@example.com": "", "eve@example.com": ""}

    live = journey_days()
    assert live == ({(sequence.pk, dt.date(2026, 3, 2), 4), (sequence.pk, dt.date(2026, 3, 3), 1)},
                    {(sequence.pk, dt.date(2026, 3, 3), "exit event order_completed", 1),
                     (sequence.pk, dt.date(2026, 3, 4), "contact unsubscribed", 1)})
    backfill()
    assert journey_days() == live

    report = sequence_report(sequence, Period(dt.date(2026, 3, 3), dt.date(2026, 3, 4)))
    assert (report.entered, report.entered_before) == (1, 4)
    assert report.exits == [("contact unsubscribed", 1), ("exit event order_completed", 1)]
    # The report reads the aggregates: journeys gone (erased contacts) stay counted.
    Enrollment.objects.all().delete()
    again = sequence_report(sequence, Period(dt.date(2026, 3, 3), dt.date(2026, 3, 4)))
    assert (again.entered, again.entered_before, again.exits) == (1, 4, report.exits)


EXIT_REASONS = ("contact unsubscribed", "exit event order_completed", "flow filter no longer matches: country")


def add_rows(sequence: Sequence, count: int, now: dt.datetime) -> None:
    """`count` more journeys over the last 30 days, stored directly, then the
    aggregates rebuilt: one in five exited (three reasons), each with a
    message — sent (opened, clicked, flagged opens; some with revenue in two
    currencies), failed or queued."""
    steps = list(sequence.steps.order_by("sort_order"))
    first = Contact.objects.count()
    contacts = Contact.objects.bulk_create([Contact(email=f"c{first + n}@example.com") for n in range(count)])
    start = now - dt.timedelta(days=30)
    enrollments = Enrollment.objects.bulk_create([
        Enrollment(contact=c, sequence=sequence, enrolled_at=start + dt.timedelta(hours=n % 700),
                   **({"state": EnrollmentState.EXITED, "ended_at": now, "exit_reason": EXIT_REASONS[n % 3]}
                      if n % 5 == 0 else {}))
        for n, c in enumerate(contacts)])
    statuses = (MessageStatus.SENT, MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.QUEUED)
    messages = Message.objects.bulk_create([
        Message(enrollment=e, step=steps[n % 2], to_email=e.contact.email, status=statuses[n % 4],
                send_after=now - dt.timedelta(hours=1), variant="",
                sent_at=now - dt.timedelta(hours=n % 700) if statuses[n % 4] == MessageStatus.SENT else None,
                failed_at=now if statuses[n % 4] == MessageStatus.FAILED else None,
                revenue=Decimal("10.00") if n % 8 == 0 else 0, revenue_currency=("EUR", "USD")[n // 8 % 2])
        for n, e in enumerate(enrollments)])
    MessageEvent.objects.bulk_create([
        MessageEvent(message=m, event_type=kind, recipient=m.to_email, occurred_at=m.sent_at, flag=flag)
        for m in messages if m.sent_at for kind, flag in (("opened", ""), ("clicked", ""), ("opened", "prefetch"))])
    backfill()


def test_point_performance_report_and_dashboard_query_counts_do_not_grow_with_the_data(
        db, clock, admin_client, admin_user):
    sequence = build_sequence(steps=[(0, "days", "One"), (1, "days", "Two")])
    now = timezone.now()
    today = site_day(now)
    period = Period(today - dt.timedelta(days=89), today)
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    panel = DripDashboardPanel()
    queries = {}
    for total in (40, 400):  # N, then 10 × N
        add_rows(sequence, total - Enrollment.objects.count(), now)
        with CaptureQueriesContext(connection) as report_queries:
            report = sequence_report(sequence, period)
        assert (report.entered, report.total.sent, report.total.opened, report.total.raw_opens) == (
            total, total // 2, total // 2, total)
        assert sum(n for _, n in report.exits) == total // 5
        with CaptureQueriesContext(connection) as page_queries:
            assert admin_client.get(f"/admin/drip/report/{sequence.pk}/?days=90").status_code == 200
        with CaptureQueriesContext(connection) as dashboard_queries:
            figures = dashboard_figures(now)
        assert (figures.failed_today, figures.queue_depth) == (total // 4, total // 4)
        assert figures.top_sequences[0].sequence_id == sequence.pk
        with CaptureQueriesContext(connection) as panel_queries:
            assert f"<strong>{total // 4}</strong> failures today" in panel.render_html({"request": request})
        queries[total] = (len(report_queries), len(page_queries), len(dashboard_queries), len(panel_queries))
    # six report queries: the steps' variants are one of them
    assert queries[40] == queries[400] and queries[40][0] == 6 and queries[40][2] == 5
