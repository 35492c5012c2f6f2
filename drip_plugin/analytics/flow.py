"""A sequence as a flow for its map: the trigger, each step in order with
its timing and live counts, the paths between them (a branch's true and
false paths), and what ends a journey."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from ..models import Enrollment, Message, Sequence, Step
from ..models.enrollments import EnrollmentState
from ..models.messages import MessageStatus
from ..engine.variants import variant_weights
from ..models.sequences import StepKind, Timing

END = "end"
TRIGGER = "trigger"


@dataclass
class Node:
    key: str
    kind: str  # "trigger", a StepKind, or "end"
    title: str
    details: list[str] = field(default_factory=list)
    waiting: int | None = None  # active journeys whose next step this is
    sent: int | None = None
    converted: int | None = None  # sent messages an order was attributed to

    @property
    def counts(self) -> str:
        parts = [(_("waiting"), self.waiting), (_("sent"), self.sent), (_("converted"), self.converted)]
        return " · ".join(f"{label} {value}" for label, value in parts if value is not None)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""  # "true"/"false" out of a branch


@dataclass
class Flow:
    sequence: Sequence
    nodes: list[Node]
    edges: list[Edge]
    exits: list[str]  # what ends a journey at any point

    def edges_from(self, key: str) -> list[Edge]:
        return [edge for edge in self.edges if edge.source == key]

    def paths_from(self, key: str) -> list[tuple[str, str]]:
        """(label, title of the node it leads to) of each path out of a node."""
        titles = {node.key: node.title for node in self.nodes}
        return [(edge.label, titles[edge.target]) for edge in self.edges_from(key)]


def step_key(step: Step) -> str:
    return f"step-{step.pk}"


def condition_summary(stream) -> str:
    """Conditions as one line: all must hold (and), an 'any of' group is an or."""
    def one(kind: str, value) -> str:
        if kind == "field":
            return " ".join(part for part in (value["field"], value["operator"].replace("_", " "),
                                              value.get("value") or "") if part)
        if kind == "activity":
            since = {"entered": _("since entering"), "step": _("since the previous step"),
                     "days": _("in the last %(days)s days") % {"days": value.get("days")}}[value["since"]]
            return f"{value['happened'].replace('_', ' ')} {value['activity']} {since}"
        return "(" + f" {_('or')} ".join(one(child.block_type, child.value) for child in value["conditions"]) + ")"

    return f" {_('and')} ".join(one(child.block_type, child.value) for child in stream)


def timing_summary(step: Step) -> str:
    wait = (_("at once") if not step.delay_amount
            else _("after %(amount)d %(unit)s") % {"amount": step.delay_amount, "unit": step.get_delay_unit_display()})
    if step.timing == Timing.WEEKDAY:
        return _("%(wait)s, then next %(weekday)s at %(time)s") % {
            "wait": wait, "weekday": step.get_weekday_display(), "time": step.at_time.strftime("%H:%M")}
    if step.timing == Timing.DATE_OFFSET:
        days = abs(step.offset_days)
        side = _("before") if step.offset_days < 0 else _("after")
        return _("%(days)d days %(side)s %(date)s") % {"days": days, "side": side, "date": step.date_field}
    if step.timing == Timing.BEST_TIME:
        return _("%(wait)s, then at the contact's best time within %(hours)d hours") % {
            "wait": wait, "hours": step.best_time_within_hours}
    return wait


def _step_node(number: int, step: Step, waiting: dict, messages: dict) -> Node:
    details = [timing_summary(step)]
    title = f"{number}. {step.get_kind_display()}" + (f" [{step.label}]" if step.label else "")
    node = Node(step_key(step), step.kind, title, details, waiting=waiting.get(step.pk, 0))
    if step.kind == StepKind.EMAIL:
        details += [f"“{email.name}”: {email.subject}" for email in step.emails()]
        if len(weights := variant_weights(step)) > 1:
            details.append(_("A/B/n test, weights: %(weights)s")
                           % {"weights": ", ".join(f"{label} {weight}" for label, weight in sorted(weights))})
        counts = messages.get(step.pk, {})
        node.sent, node.converted = counts.get("sent", 0), counts.get("converted", 0)
    elif step.kind == StepKind.BRANCH:
        details.append(_("if %(condition)s") % {"condition": condition_summary(step.condition) or _("(no condition)")})
    elif step.kind == StepKind.UPDATE:
        details.append(f"{step.attribute_name} = {step.attribute_value}")
    return node


def build_flow(sequence: Sequence) -> Flow:
    """The live sequence's flow with its counts: four queries, whatever
    the number of steps, journeys and messages."""
    steps = list(sequence.steps.select_related("email").prefetch_related("variants__email").order_by("sort_order", "pk"))
    waiting = dict(Enrollment.objects.filter(sequence=sequence, state=EnrollmentState.ACTIVE,
                                             current_step__isnull=False)
                   .values_list("current_step").annotate(count=Count("pk")).order_by())
    messages = {row["step"]: row for row in Message.objects.filter(step__sequence=sequence).values("step").annotate(
        sent=Count("pk", filter=Q(status=MessageStatus.SENT)),
        converted=Count("pk", filter=Q(revenue__gt=0))).order_by()}

    trigger = [_("when %(event)s happens") % {"event": sequence.trigger_event}]
    if len(sequence.trigger_filters):
        trigger.append(_("only if %(filters)s") % {"filters": condition_summary(sequence.trigger_filters)})
    if sequence.journey_per:
        trigger.append(_("one journey per %(object)s") % {"object": sequence.get_journey_per_display()})
    nodes = [Node(TRIGGER, TRIGGER, _("Trigger"), trigger)]
    nodes += [_step_node(number, step, waiting, messages) for number, step in enumerate(steps, 1)]
    nodes.append(Node(END, END, _("End of the journey")))

    edges = [Edge(TRIGGER, step_key(steps[0]) if steps else END)]
    labels = {step.label: step for step in steps if step.label}
    for index, step in enumerate(steps):
        following = step_key(steps[index + 1]) if index + 1 < len(steps) else END
        if step.kind == StepKind.EXIT:
            edges.append(Edge(step_key(step), END, _("exit")))
        elif step.kind == StepKind.BRANCH:
            target = labels.get(step.if_false_goto) if step.if_false_goto else None
            edges += [Edge(step_key(step), following, "true"),
                      Edge(step_key(step), step_key(target) if target else END, "false")]
        else:
            edges.append(Edge(step_key(step), following))

    exits = [_("on %(event)s") % {"event": name} for name in sequence.exit_event_names]
    if len(sequence.flow_filters):
        exits.append(_("when no longer %(filters)s (checked before each email)")
                     % {"filters": condition_summary(sequence.flow_filters)})
    return Flow(sequence, nodes, edges, exits)
