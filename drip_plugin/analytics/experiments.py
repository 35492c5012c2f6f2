"""Experiments, goals and holdouts read from the database: the arms of a
step's A/B/n test, its verdict (statistics.py), the decision recorded at its
horizon, goal conversion per step, and the lift of a sequence over its holdout.

Opens and clicks come from the daily aggregates (StepDay); goal conversions
and revenue per recipient from one aggregate query over the step's messages
(revenue needs its sum of squares, which no aggregate keeps).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, Sum

from ..engine.variants import variant_weights
from ..models import Enrollment, ExperimentDecision, Message, Sequence, Step, StepDay
from ..models.messages import MessageStatus
from ..models.sequences import ExperimentMetric, ExperimentState, StepKind
from .statistics import Arm, Lift, Verdict, decide, holdout_lift

logger = logging.getLogger("drip_plugin.analytics")

STEPDAY_METRICS = {ExperimentMetric.OPEN: "opened", ExperimentMetric.CLICK: "clicked"}


def _converted_after_sending(step: Step) -> Q:
    """A message converted: its journey reached the sequence's goal after it was
    sent; without a goal, an order was credited to it (conversions.py)."""
    if step.sequence.goal_event:
        return Q(enrollment__goal_reached_at__gte=F("sent_at"))
    return Q(revenue__gt=0)


def main_currency(rows: QuerySet, field: str) -> str:
    """The currency most of `rows` with an amount are in ("" when none names
    one). Money is compared in that currency alone: amounts in another are
    left out, never added to it."""
    top = rows.exclude(**{field: ""}).values(field).annotate(n=Count("pk")).order_by("-n", field).first()
    return top[field] if top else ""


def experiment_arms(step: Step) -> tuple[list[Arm], str]:
    """One Arm per variant, A first, for the step's metric; and the currency
    of a revenue metric (recipients whose revenue is in another are left out)."""
    labels = ["A", *sorted(label for label, _ in variant_weights(step) if label != "A")]
    metric = step.experiment_metric
    if metric in STEPDAY_METRICS:
        field = STEPDAY_METRICS[metric]
        sums = {row["variant"]: row for row in StepDay.objects.filter(step=step).values("variant").annotate(
            n=Sum("sent"), hits=Sum(field))}
        return [Arm.binary(label, sums.get(label, {}).get("n") or 0, sums.get(label, {}).get("hits") or 0)
                for label in labels], ""
    sent = Message.objects.filter(step=step, status=MessageStatus.SENT)
    if metric == ExperimentMetric.CONVERSION:
        sums = {row["variant"]: row for row in sent.values("variant").annotate(n=Count("pk"), hits=Count(
            "pk", filter=_converted_after_sending(step)))}
        return [Arm.binary(label, sums.get(label, {}).get("n") or 0, sums.get(label, {}).get("hits") or 0)
                for label in labels], ""
    currency = main_currency(sent, "revenue_currency")
    sums = {row["variant"]: row for row in sent.filter(Q(revenue=0) | Q(revenue_currency=currency)).values(
        "variant").annotate(n=Count("pk"), total=Sum("revenue"), squares=Sum(F("revenue") * F("revenue")))}
    return [Arm(label, (row := sums.get(label, {})).get("n") or 0, float(row.get("total") or 0),
                float(row.get("squares") or 0)) for label in labels], currency


def verdict_of(step: Step, arms: list[Arm], currency: str = "") -> Verdict:
    return decide(arms, step.experiment_metric, horizon=step.experiment_horizon,
                  confidence=step.experiment_confidence / 100, currency=currency)


def rule_text(step: Step) -> str:
    return (f"fixed horizon: read once every variant had {step.experiment_horizon:,} recipients; "
            f"{step.get_experiment_metric_display()}, each variant against A, "
            f"{step.experiment_confidence} % confidence (Bonferroni-corrected); "
            + ("new sends go to the winner" if step.auto_winner else "the winner is not applied automatically"))


def _figures(arms: list[Arm], verdict: Verdict) -> dict:
    return {"arms": [{"variant": arm.label, "n": arm.n, "mean": arm.mean} for arm in arms],
            "comparisons": [{"variant": c.challenger.label, "difference": c.difference, "low": c.low,
                             "high": c.high, "p_value": c.p_value, "level": c.level}
                            for c in verdict.comparisons]}


def running_experiments():
    """Email steps of live sequences with variants, running, not yet decided."""
    return (Step.objects.filter(kind=StepKind.EMAIL, sequence__live=True, variants__isnull=False,
                                experiment_state=ExperimentState.RUNNING, experiment_decisions__isnull=True)
            .distinct().select_related("sequence").prefetch_related("variants"))


def record_decisions(now: dt.datetime) -> list[ExperimentDecision]:
    """Read every running experiment that reached its horizon, once, and record it."""
    decisions = []
    for step in running_experiments():
        arms, currency = experiment_arms(step)
        verdict = verdict_of(step, arms, currency)
        if not verdict.ready:
            continue
        try:
            with transaction.atomic():
                decision = ExperimentDecision.objects.create(
                    step=step, decided_at=now, metric=step.experiment_metric, winner=verdict.winner,
                    rule=rule_text(step), figures=_figures(arms, verdict), verdict=verdict.sentence,
                    applied=step.auto_winner and bool(verdict.winner))
        except IntegrityError:  # another tick recorded it first
            continue
        logger.info("experiment of step %s decided: %s", step.pk, verdict.sentence)
        decisions.append(decision)
    return decisions


def revert_decision(decision: ExperimentDecision, by: str, now: dt.datetime) -> None:
    """New sends go by the weights again; the decision stays on record."""
    ExperimentDecision.objects.filter(pk=decision.pk, reverted_at__isnull=True).update(reverted_at=now, reverted_by=by)
    logger.info("experiment decision %s reverted by %s", decision.pk, by)


@dataclass
class ExperimentPanel:
    step: Step
    arms: list[Arm]
    weights: dict[str, int]
    emails: dict[str, str]
    verdict: Verdict
    decision: ExperimentDecision | None

    @property
    def rows(self) -> list[tuple[Arm, str, int]]:
        """Each arm with its email's name and its weight."""
        return [(arm, self.emails.get(arm.label, "–"), self.weights.get(arm.label, 0)) for arm in self.arms]

    @property
    def sentence(self) -> str:
        """The recorded reading once there is one (read once: later looks do not change it)."""
        return self.decision.verdict if self.decision else self.verdict.sentence


def experiment_panels(sequence: Sequence) -> list[ExperimentPanel]:
    steps = (Step.objects.filter(sequence=sequence, kind=StepKind.EMAIL, variants__isnull=False).distinct()
             .exclude(experiment_state=ExperimentState.ARCHIVED).select_related("email", "sequence")
             .prefetch_related("variants__email", "experiment_decisions").order_by("sort_order", "pk"))
    panels = []
    for step in steps:
        arms, currency = experiment_arms(step)
        emails = {"A": step.email.name if step.email else "–", **{v.label: v.email.name for v in step.variants.all()}}
        panels.append(ExperimentPanel(step, arms, dict(variant_weights(step)), emails, verdict_of(step, arms, currency),
                                      next(iter(step.experiment_decisions.all()), None)))
    return panels


@dataclass
class GoalFigures:
    goal: str
    entered: int
    reached: int
    steps: list[tuple[Step, int, int]]  # step, sent, reached after it
    holdout_size: int
    lift: Lift


def goal_figures(sequence: Sequence) -> GoalFigures | None:
    """Goal conversion per sequence and per email step, and sent vs holdout."""
    if not sequence.goal_event:
        return None
    journeys = Enrollment.objects.filter(sequence=sequence)
    currency = main_currency(journeys, "goal_currency")
    in_currency = Q(goal_value=0) | Q(goal_currency=currency)
    groups = {row["holdout"]: row for row in journeys.values("holdout").annotate(
        n=Count("pk"), reached=Count("pk", filter=Q(goal_reached_at__isnull=False)),
        # revenue per contact over the contacts whose value is in `currency` (or who have none)
        value_n=Count("pk", filter=in_currency), value=Sum("goal_value", filter=in_currency),
        squares=Sum(F("goal_value") * F("goal_value"), filter=in_currency))}
    empty = {"n": 0, "reached": 0, "value_n": 0, "value": 0, "squares": 0}
    held, sent = groups.get(True, empty), groups.get(False, empty)
    per_step = {row["step_id"]: row for row in Message.objects.filter(
        step__sequence=sequence, status=MessageStatus.SENT).values("step_id").annotate(
        n=Count("pk"), reached=Count("pk", filter=Q(enrollment__goal_reached_at__gte=F("sent_at"))))}
    steps = [(step, per_step.get(step.pk, {}).get("n", 0), per_step.get(step.pk, {}).get("reached", 0))
             for step in sequence.steps.filter(kind=StepKind.EMAIL).order_by("sort_order", "pk")]

    def arms(name: str, row: dict) -> tuple[Arm, Arm]:
        return (Arm.binary(name, row["n"], row["reached"]),
                Arm(name, row["value_n"], float(row["value"] or 0), float(row["squares"] or 0)))

    (held_conv, held_value), (sent_conv, sent_value) = arms("holdout", held), arms("sent", sent)
    return GoalFigures(sequence.goal_event, held["n"] + sent["n"], held["reached"] + sent["reached"], steps,
                       held["n"], holdout_lift(held_conv, sent_conv, held_value, sent_value, currency=currency))
