"""Sequences as code: YAML export and validated import (as a draft revision)."""
from __future__ import annotations

import datetime as dt
import enum
import json
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Case, Value, When
from wagtail.models import Locale

from ..models import Email, Sequence, Step, StepVariant

SEQUENCE_FIELDS = [
    "name", "trigger_event", "description", "journey_per", "reentry", "reentry_days", "exit_events",
    "debounce_minutes", "transactional", "cap_count", "cap_days", "cap_action", "holdout_percent", "goal_event",
    "goal_ends_journey",
]
SEQUENCE_STREAMS = ["trigger_filters", "flow_filters", "send_windows"]
STEP_FIELDS = [
    "kind", "label", "timing", "delay_amount", "delay_unit", "weekday", "at_time", "date_field", "offset_days",
    "best_time_within_hours", "if_false_goto", "attribute_name", "attribute_value", "control_weight",
    "experiment_metric", "experiment_horizon", "experiment_confidence", "auto_winner", "experiment_state",
]
VARIANT_FIELDS = ["label", "email", "weight"]


class ImportProblems(ValueError):
    """Every problem found in an import, each prefixed by its path."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _stream_data(value) -> list[dict]:
    # Block ids are storage details: leaving them out keeps exports stable.
    # The JSON round trip gives what the database stores (times as text);
    # sorted keys because PostgreSQL's jsonb does not keep their order.
    stored = json.loads(json.dumps(value.get_prep_value(), cls=DjangoJSONEncoder, sort_keys=True))
    return [{"type": block["type"], "value": block["value"]} for block in stored]


def _plain(value: Any) -> Any:
    """Choices enums (unsaved defaults) as their plain values, for YAML."""
    return value.value if isinstance(value, enum.Enum) else value


def sequence_data(sequence: Sequence) -> dict[str, Any]:
    data: dict[str, Any] = {name: _plain(getattr(sequence, name)) for name in SEQUENCE_FIELDS}
    for name in SEQUENCE_STREAMS:
        data[name] = _stream_data(getattr(sequence, name))
    data["steps"] = []
    for step in sorted(sequence.steps.all(), key=lambda s: (s.sort_order or 0, s.pk or 0)):
        item = {name: _plain(getattr(step, name)) for name in STEP_FIELDS}
        item["at_time"] = step.at_time.isoformat() if step.at_time else None
        item["email"] = step.email.name if step.email_id else None
        item["variants"] = [{"label": v.label, "email": v.email.name, "weight": v.weight}
                            for v in sorted(step.variants.all(), key=lambda v: v.label)]
        item["condition"] = _stream_data(step.condition)
        data["steps"].append(item)
    return data


def export_yaml(sequences: list[Sequence], *, latest: bool = False) -> str:
    """YAML for `sequences` (their live rows, or their latest revisions)."""
    chosen = [s.latest_revision.as_object() if latest and s.latest_revision_id else s for s in sequences]
    return yaml.safe_dump({"sequences": [sequence_data(s) for s in chosen]}, sort_keys=False, allow_unicode=True)


def _clean_stream(model, name: str, raw: Any, path: str, problems: list[str]):
    block = model._meta.get_field(name).stream_block
    if not isinstance(raw, list):
        problems.append(f"{path}: expected a list of blocks")
        return None
    try:
        value = block.to_python(raw)
        block.clean(value)
    except ValidationError as exc:
        problems.append(f"{path}: {'; '.join(exc.messages)}")
        return None
    except (KeyError, TypeError, ValueError) as exc:
        problems.append(f"{path}: malformed block data ({exc})")
        return None
    return raw


def _unknown(keys, allowed, path: str, problems: list[str]) -> None:
    for key in sorted(set(keys) - set(allowed)):
        problems.append(f"{path}.{key}: unknown field" if path else f"{key}: unknown field")


def _email_named(name: str, path: str, problems: list[str]) -> Email | None:
    # Translations share the name: the step points at the default-locale one.
    email = (Email.objects.filter(name=name)
             .order_by(Case(When(locale__language_code=Locale.get_default().language_code, then=Value(0)),
                            default=Value(1)), "pk")
             .first())
    if email is None:
        problems.append(f"{path}: no email named {name!r}")
    return email


def _variants(raw: Any, path: str, problems: list[str]) -> list[StepVariant]:
    if not isinstance(raw, list):
        problems.append(f"{path}: expected a list of {{label, email, weight}}")
        return []
    variants = []
    for position, item in enumerate(raw):
        where = f"{path}[{position}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected a mapping")
            continue
        _unknown(item, VARIANT_FIELDS, where, problems)
        variant = StepVariant(sort_order=position, label=item.get("label", ""), weight=item.get("weight", 50),
                              email=_email_named(str(item.get("email")), f"{where}.email", problems))
        try:
            variant.full_clean(exclude=["step", "sort_order", "email"])
        except ValidationError as exc:
            problems.extend(f"{where}.{f}: {m}" for f, ms in exc.message_dict.items() for m in ms)
        variants.append(variant)
    if len({v.label for v in variants}) < len(variants):
        problems.append(f"{path}: each variant needs its own label")
    return variants


def _build(data: Any, index: int, problems: list[str]) -> tuple[dict, list[Step]] | None:
    base = f"sequences[{index}]"
    if not isinstance(data, dict):
        problems.append(f"{base}: expected a mapping")
        return None
    _unknown(data, SEQUENCE_FIELDS + SEQUENCE_STREAMS + ["steps"], base, problems)
    fields = {name: data[name] for name in SEQUENCE_FIELDS if name in data}
    for name in SEQUENCE_STREAMS:
        fields[name] = _clean_stream(Sequence, name, data.get(name, []), f"{base}.{name}", problems)
    probe = Sequence(**{k: v for k, v in fields.items() if k not in SEQUENCE_STREAMS})
    try:
        probe.full_clean(exclude=SEQUENCE_STREAMS + ["latest_revision", "live_revision"], validate_unique=False)
    except ValidationError as exc:
        problems.extend(f"{base}.{f}: {m}" for f, ms in exc.message_dict.items() for m in ms)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.append(f"{base}.steps: a sequence needs at least one step")
        return fields, []
    steps = []
    labels = {s.get("label") for s in raw_steps if isinstance(s, dict) and s.get("label")}
    for position, item in enumerate(raw_steps):
        path = f"{base}.steps[{position}]"
        if not isinstance(item, dict):
            problems.append(f"{path}: expected a mapping")
            continue
        _unknown(item, STEP_FIELDS + ["email", "variants", "condition"], path, problems)
        values = {name: item[name] for name in STEP_FIELDS if name in item}
        if isinstance(values.get("at_time"), str):
            try:
                values["at_time"] = dt.time.fromisoformat(values["at_time"])
            except ValueError:
                problems.append(f"{path}.at_time: {item['at_time']!r} is not a time (HH:MM)")
                values.pop("at_time")
        if item.get("email"):
            values["email"] = _email_named(item["email"], f"{path}.email", problems)
        condition = _clean_stream(Step, "condition", item.get("condition", []), f"{path}.condition", problems)
        step = Step(sort_order=position, condition=condition or [], **values)
        step.variants = _variants(item.get("variants") or [], f"{path}.variants", problems)
        try:
            step.full_clean(exclude=["sequence", "condition", "sort_order"])
        except ValidationError as exc:
            problems.extend(f"{path}.{f}: {m}" for f, ms in exc.message_dict.items() for m in ms)
        if step.if_false_goto and step.if_false_goto not in labels:
            problems.append(f"{path}.if_false_goto: no step is labelled {step.if_false_goto!r}")
        steps.append(step)
    return fields, steps


def import_yaml(text: str, *, user=None) -> list[Sequence]:
    """Validate everything, then save each sequence as a draft revision.

    A sequence with the same name gets a new draft revision (its live version
    keeps sending until an editor publishes); a new one is created as a draft.
    Raises ImportProblems listing every problem with its path; nothing is
    changed then.
    """
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ImportProblems([f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    if not isinstance(document, dict) or not isinstance(document.get("sequences"), list):
        raise ImportProblems(["sequences: expected a top-level `sequences:` list"])
    problems: list[str] = []
    built = [_build(item, index, problems) for index, item in enumerate(document["sequences"])]
    if problems:
        raise ImportProblems(problems)
    saved = []
    with transaction.atomic():
        for fields, steps in built:
            sequence = Sequence.objects.filter(name=fields["name"]).first()
            if sequence is None:
                sequence = Sequence(live=False)
            for name, value in fields.items():
                setattr(sequence, name, value)
            sequence.steps = steps
            if sequence.pk is None:
                sequence.save()
            # On an existing sequence only the revision (and the draft
            # markers) are written: the live row and its steps stay as they are.
            sequence.save_revision(user=user, log_action=True)
            saved.append(sequence)
    return saved
