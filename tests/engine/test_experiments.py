"""Issue 21 through the engine: A/B/n variants by weight, a variant kept across
retries, auto-winner (recorded, reversible), stopping, holdouts, goals, simulate."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from django.core import mail
from django.urls import reverse

from drip_plugin import track
from drip_plugin.analytics.experiments import experiment_panels, goal_figures
from drip_plugin.engine.simulate import SimulatedEvent, simulate
from drip_plugin.engine.variants import choose_variant
from drip_plugin.models import Email, Enrollment, ExperimentDecision, Message, Step, StepVariant
from drip_plugin.scheduling import tick
from tests.analytics.test_conversions import engage
from tests.delivery.test_faults import faulty  # noqa: F401  (the fixture)
from tests.factories import WELCOME_MJML, build_sequence


def abn_step(weights: dict[str, int], **step_fields) -> Step:
    """A one-step sequence whose email is "Subject A" (weight weights["A"]) and
    whose variants B, C, … send "Subject <label>"."""
    sequence = build_sequence(steps=[(0, "days", "Subject A")], **step_fields.pop("sequence", {}))
    step = sequence.steps.get()
    for label, weight in weights.items():
        if label != "A":
            StepVariant.objects.create(step=step, label=label, weight=weight, email=Email.objects.create(
                name=f"Variant {label}", subject=f"Subject {label}", mjml=WELCOME_MJML, live=True))
    Step.objects.filter(pk=step.pk).update(control_weight=weights["A"], **step_fields)
    return Step.objects.get(pk=step.pk)


def sign_up(prefix: str, count: int) -> None:
    for n in range(count):
        track("signed_up", email=f"{prefix}{n}@example.com")
    tick()


def test_point_abn_four_variants_split_by_their_weights_each_sending_its_email(db, clock):
    abn_step({"A": 40, "B": 20, "C": 20, "D": 20})
    sign_up("abn", 400)
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    messages = list(Message.objects.all())
    assert len(messages) == 400
    assert all(subjects[m.to_email] == f"Subject {m.variant}" for m in messages)
    shares = Counter(m.variant for m in messages)
    assert 120 <= shares["A"] <= 200 and all(50 <= shares[label] <= 110 for label in "BCD"), shares


def test_point_retried_message_keeps_its_variant_after_a_winner_changes_new_sends(db, clock, faulty):  # noqa: F811
    step = abn_step({"A": 50, "B": 50})
    for n in range(50):
        track("signed_up", email=f"r{n}@example.com")
    recipient = next(e.contact.email for e in Enrollment.objects.select_related("contact")
                     if choose_variant(e.pk, step) == "B")
    faulty[recipient] = ["5xx"]
    tick()
    message = Message.objects.get(to_email=recipient)
    assert (message.variant, message.status) == ("B", "retry_scheduled")
    ExperimentDecision.objects.create(step=step, decided_at=dt.datetime.now(dt.UTC), metric="click", winner="A",
                                      rule="test", verdict="A beats B", applied=True)
    clock.shift(dt.timedelta(minutes=5))
    tick()  # the retry, through the sender
    message.refresh_from_db()
    (retried,) = [m for m in mail.outbox if m.to == [recipient]]
    assert (message.status, message.attempts, message.variant, retried.subject) == ("sent", 2, "B", "Subject B")
    track("signed_up", email="after@example.com")
    tick()
    assert Message.objects.get(to_email="after@example.com").variant == "A", "new sends go to the winner"


def test_point_auto_winner_after_the_horizon_is_recorded_shown_and_reversible(db, clock, admin_client):
    step = abn_step({"A": 50, "B": 50}, experiment_horizon=100, auto_winner=True)
    sign_up("w", 300)
    clock.shift(dt.timedelta(hours=1))  # clicks seconds after delivery are a link scanner's, not counted
    for message in Message.objects.filter(variant="B")[:40]:
        engage(message, "clicked")
    for message in Message.objects.filter(variant="A")[:5]:
        engage(message, "clicked")
    tick()
    decision = ExperimentDecision.objects.get(step=step)
    assert (decision.winner, decision.applied, decision.metric) == ("B", True, "click")
    assert decision.verdict.startswith("B beats A on clicks: +") and "% confidence" in decision.verdict
    assert {arm["variant"] for arm in decision.figures["arms"]} == {"A", "B"}
    assert "fixed horizon" in decision.rule
    sign_up("after", 20)
    assert set(Message.objects.filter(to_email__startswith="after").values_list("variant", flat=True)) == {"B"}
    page = admin_client.get(reverse("drip_plugin_sequence_report", args=[step.sequence_id])).content.decode()
    assert decision.verdict in page and "New sends go to the winner." in page
    admin_client.post(reverse("drip_plugin_experiment_decision_revert", args=[decision.pk]))
    decision.refresh_from_db()
    assert decision.reverted_at is not None and decision.reverted_by == "admin"
    sign_up("reverted", 40)
    assert set(Message.objects.filter(to_email__startswith="reverted").values_list("variant", flat=True)) == {"A", "B"}
    assert ExperimentDecision.objects.count() == 1, "read once: no new decision after the revert"


def test_point_auto_winner_waits_for_the_horizon(db, clock):
    step = abn_step({"A": 50, "B": 50}, experiment_horizon=1000, auto_winner=True)
    sign_up("early", 100)
    clock.shift(dt.timedelta(hours=1))
    for message in Message.objects.filter(variant="B"):
        engage(message, "clicked")
    tick()
    assert not ExperimentDecision.objects.exists()
    (panel,) = experiment_panels(step.sequence)
    assert panel.sentence.startswith("Too early:")


def test_point_stopped_or_archived_experiment_sends_a_to_everyone(db, clock):
    step = abn_step({"A": 50, "B": 50}, experiment_state="stopped")
    sign_up("stop", 30)
    assert set(Message.objects.values_list("variant", flat=True)) == {"A"}
    Step.objects.filter(pk=step.pk).update(experiment_state="archived")
    assert experiment_panels(step.sequence) == [], "archived: off the report"


def test_point_holdout_entrants_are_enrolled_marked_and_sent_nothing(db, clock):
    sequence = build_sequence(holdout_percent=30, goal_event="order_completed")
    sign_up("h", 200)
    held = Enrollment.objects.filter(holdout=True)
    assert 30 <= held.count() <= 90
    assert not Message.objects.filter(enrollment__holdout=True).exists()
    assert Message.objects.filter(enrollment__holdout=False).count() == 200 - held.count()
    clock.shift(dt.timedelta(days=3))
    tick()
    assert not Message.objects.filter(enrollment__holdout=True).exists(), "no step of theirs sends"
    assert set(held.values_list("state", flat=True)) == {"completed"}, "held-out journeys run their course"
    for enrollment in Enrollment.objects.filter(holdout=False)[:40]:
        track("order_completed", email=enrollment.contact.email,
              properties={"order_id": f"o{enrollment.pk}", "order": {"total": "30.00", "currency": "EUR"}})
    figures = goal_figures(sequence)
    assert (figures.reached, figures.holdout_size) == (40, held.count())
    conversion = figures.lift.conversion
    assert conversion.challenger.n == 200 - held.count() and conversion.control.mean == 0
    assert conversion.difference > 0 and conversion.low < conversion.difference < conversion.high
    assert figures.lift.revenue.difference == 40 * 30 / (200 - held.count())


def test_point_goal_is_measured_per_step_and_ends_the_journey_when_chosen(db, clock):
    sequence = build_sequence(goal_event="order_completed", goal_ends_journey=True)
    track("signed_up", email="buyer@example.com")
    tick()
    clock.shift(dt.timedelta(hours=1))
    track("order_completed", email="buyer@example.com",
          properties={"order_id": "o1", "order": {"total": "42.50", "currency": "EUR"}})
    enrollment = Enrollment.objects.get()
    assert (enrollment.state, enrollment.exit_reason) == ("exited", "goal order_completed reached")
    assert str(enrollment.goal_value) == "42.50" and enrollment.goal_reached_at is not None
    clock.shift(dt.timedelta(days=3))
    tick()
    assert Message.objects.count() == 1, "no step after the goal"
    figures = goal_figures(sequence)
    assert [(str(step), sent, reached) for step, sent, reached in figures.steps] == [
        ("Send an email #1", 1, 1), ("Send an email #2", 0, 0)]


def test_point_goal_is_distinct_from_exit_events(db, clock):
    build_sequence(goal_event="order_completed", exit_events="unsubscribed_everywhere")
    track("signed_up", email="keeps@example.com")
    tick()
    track("order_completed", email="keeps@example.com", properties={"order_id": "o1"})
    enrollment = Enrollment.objects.get()
    assert enrollment.state == "active" and enrollment.goal_reached_at is not None
    clock.shift(dt.timedelta(days=3))
    tick()
    assert Message.objects.count() == 2, "the journey went on after its goal"


def test_point_simulate_shows_the_variant_or_the_holdout_each_contact_gets(db):
    abn_step({"A": 50, "B": 25, "C": 25}, sequence={"holdout_percent": 20})
    start = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    stream = [SimulatedEvent(start, "signed_up", f"sim{n}@example.com", {}) for n in range(40)]
    timeline = simulate(stream, until=start + dt.timedelta(days=1))
    variants = Counter(entry.what.rpartition("variant ")[2].rstrip(")") for entry in timeline
                       if entry.what.startswith("email"))
    held = [entry for entry in timeline if entry.what.startswith("held out of Welcome")]
    assert set(variants) == {"A", "B", "C"} and held
    assert sum(variants.values()) + len(held) == 40
    assert not Enrollment.objects.exists(), "a simulation writes nothing"


def test_point_abn_two_variants_with_one_label_are_a_form_error_not_a_500(db, admin_client):
    from tests.ingest.test_event_names import sequence_form

    step = abn_step({"A": 50, "B": 50})
    form = sequence_form(step.email)
    form.update({"steps-0-id": str(step.pk), "steps-0-variants-TOTAL_FORMS": "2"})
    email = str(step.variants.get().email_id)
    for n in range(2):
        form.update({f"steps-0-variants-{n}-label": "B", f"steps-0-variants-{n}-email": email,
                     f"steps-0-variants-{n}-weight": "50", f"steps-0-variants-{n}-ORDER": str(n + 1),
                     f"steps-0-variants-{n}-DELETE": "", f"steps-0-variants-{n}-id": ""})
    response = admin_client.post(reverse("wagtailsnippets_drip_plugin_sequence:edit", args=[step.sequence_id]), form)
    assert response.status_code == 200
    assert "Please correct the duplicate values below." in response.content.decode()
    assert StepVariant.objects.filter(step=step).count() == 1


def test_point_abn_variants_holdout_and_goal_survive_export_and_import(db):
    import yaml

    from drip_plugin.engine.transfer import export_yaml, import_yaml
    from drip_plugin.models import Sequence

    step = abn_step({"A": 40, "B": 35, "C": 25}, experiment_metric="revenue", auto_winner=True,
                    sequence={"holdout_percent": 10, "goal_event": "order_completed", "goal_ends_journey": True})
    first = export_yaml([step.sequence])
    (exported,) = yaml.safe_load(first)["sequences"]
    assert exported["steps"][0]["variants"] == [{"label": "B", "email": "Variant B", "weight": 35},
                                                {"label": "C", "email": "Variant C", "weight": 25}]
    assert (exported["holdout_percent"], exported["goal_event"], exported["goal_ends_journey"]) == (
        10, "order_completed", True)
    Sequence.objects.all().delete()
    (imported,) = import_yaml(first)
    assert export_yaml([Sequence.objects.get(pk=imported.pk)]) == first


def test_revenue_experiment_and_holdout_lift_compare_one_currency_never_a_sum_of_two(db, clock):
    """A shop selling in EUR and USD: 9.00 EUR + 5.00 USD is not 14.00 of
    anything. Revenue is read in the currency most recipients paid in; those
    who paid in another are left out of that comparison, not added."""
    step = abn_step({"A": 50, "B": 50}, experiment_metric="revenue",
                    sequence={"holdout_percent": 30, "goal_event": "order_completed"})
    sign_up("m", 30)
    sent = list(Message.objects.filter(step=step).order_by("pk"))
    held = list(Enrollment.objects.filter(holdout=True).select_related("contact"))
    assert len(sent) >= 3 and len(held) >= 2
    paid = {}
    for n, message in enumerate(sent):
        currency, total = ("USD" if n == 0 else "EUR"), 10 * (n + 1)
        Message.objects.filter(pk=message.pk).update(revenue=total, revenue_currency=currency)
        track("order_completed", email=message.to_email,
              properties={"order_id": f"o{n}", "order": {"total": str(total), "currency": currency}})
        if currency == "EUR":
            paid[message.pk] = total
    for n, enrollment in enumerate(held[:2]):
        track("order_completed", email=enrollment.contact.email,
              properties={"order_id": f"h{n}", "order": {"total": "5", "currency": "EUR"}})

    arms = {arm.label: arm for arm in experiment_panels(step.sequence)[0].arms}
    for label, arm in arms.items():
        mine = [total for m in sent if m.variant == label and (total := paid.get(m.pk))]
        assert (arm.n, arm.total) == (len(mine), sum(mine)), f"variant {label}: EUR recipients only"
    assert sum(arm.n for arm in arms.values()) == len(sent) - 1, "the recipient who paid in USD is left out"

    lift = goal_figures(step.sequence).lift
    assert Enrollment.objects.filter(goal_currency="USD").count() == 1
    assert lift.currency == "EUR"
    assert (lift.revenue.challenger.n, lift.revenue.challenger.total) == (len(sent) - 1, sum(paid.values()))
    assert (lift.revenue.control.n, lift.revenue.control.total) == (len(held), 10)
    assert lift.sentences()[1].startswith("Revenue per contact (EUR): ")
