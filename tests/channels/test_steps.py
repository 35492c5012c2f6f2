"""Issue 25: a step chooses its channel; its fallback must be another channel it has content for."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from drip_plugin.channels.registry import channel_for_step, channels
from drip_plugin.models import Email, Sequence, SmsText, Step
from drip_plugin.models.sequences import fallback_choices

pytestmark = pytest.mark.django_db


def step(**fields) -> Step:
    return Step(sequence=Sequence.objects.create(name="S", trigger_event="signed_up"), **fields)


def test_point_step_kind_picks_its_channel():
    assert [c.name for c in channels()] == ["email", "sms"]
    assert channel_for_step(step(kind="sms")).name == "sms"
    assert channel_for_step(step(kind="email")).name == "email"
    assert channel_for_step(step(kind="wait")) is None
    assert [value for value, _ in fallback_choices()] == ["", "email", "sms"]


def test_point_fallback_needs_another_channel_with_content():
    text = SmsText.objects.create(name="T", body="Hi", live=True)
    email = Email.objects.create(name="E", subject="Hi", mjml="<mjml></mjml>", live=True)
    with pytest.raises(ValidationError) as own:
        step(kind="sms", sms=text, fallback="sms").clean()
    assert "another channel" in str(own.value)
    with pytest.raises(ValidationError) as empty:
        step(kind="sms", sms=text, fallback="email").clean()
    assert "no content for email" in str(empty.value)
    with pytest.raises(ValidationError) as no_text:
        step(kind="sms").clean()
    assert "needs an SMS text" in str(no_text.value)
    step(kind="sms", sms=text, fallback="email", email=email).clean()  # valid
