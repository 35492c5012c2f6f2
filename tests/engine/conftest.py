from __future__ import annotations

import pytest
from wagtail.blocks import StreamValue

from drip_plugin.models import Email, Sequence, Step
from drip_plugin.models.sequences import StepKind

BODY = "<mjml><mj-body><mj-section><mj-column><mj-text>{{ contact.first_name }}</mj-text></mj-column></mj-section></mj-body></mjml>"


def email(subject: str) -> Email:
    return Email.objects.create(name=subject, subject=subject, mjml=BODY, live=True)


def stream(model, field: str, blocks: list[tuple[str, dict]]):
    """A StreamField value as the admin would save it."""
    return StreamValue(model._meta.get_field(field).stream_block, blocks, is_lazy=False)


def condition(field: str, operator: str, value: str = "") -> tuple[str, dict]:
    return ("field", {"field": field, "operator": operator, "value": value})


def activity(name: str, *, happened="has", since="entered", days=None, same_object=False) -> tuple[str, dict]:
    return ("activity", {"happened": happened, "activity": name, "since": since, "days": days,
                         "same_object": same_object})


def window(days: str, start: str, end: str) -> tuple[str, dict]:
    import datetime as dt

    return ("window", {"days": list(days), "start": dt.time.fromisoformat(start), "end": dt.time.fromisoformat(end)})


@pytest.fixture
def flow(db):
    """flow(trigger, [step kwargs...], **sequence fields) → a live Sequence."""

    def build(trigger: str, steps: list[dict], **fields) -> Sequence:
        stream_fields = {k: fields.pop(k) for k in ("trigger_filters", "flow_filters", "send_windows") if k in fields}
        sequence = Sequence.objects.create(name=fields.pop("name", trigger), trigger_event=trigger, live=True, **fields)
        for name, blocks in stream_fields.items():
            setattr(sequence, name, stream(Sequence, name, blocks))
        sequence.save()
        for order, spec in enumerate(steps):
            spec = dict(spec)
            if "subject" in spec:
                spec["email"] = email(spec.pop("subject"))
            spec.setdefault("kind", StepKind.EMAIL if "email" in spec else StepKind.WAIT)
            if "condition" in spec:
                spec["condition"] = stream(Step, "condition", spec["condition"])
            Step.objects.create(sequence=sequence, sort_order=order, **spec)
        return sequence

    return build
