"""Issue 4: the simulator prints the timeline and sends/saves nothing."""
from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from drip_plugin.engine.simulate import SimulatedEvent, simulate
from drip_plugin.models import Contact, Enrollment, Event, Message

STREAM = """
- at: 2026-03-02T09:00:00Z
  event: checkout_updated
  email: sim@example.com
  properties: {checkout_id: c1, cart: {lines: [{name: Mug}]}}
- at: 2026-03-02T09:05:00Z
  event: checkout_updated
  email: sim@example.com
  properties: {checkout_id: c1, cart: {lines: [{name: Mug}, {name: Tea}]}}
- at: 2026-03-03T09:00:00Z
  event: order_completed
  email: sim@example.com
  properties: {order_id: o1, checkout_id: c1}
"""


def test_simulator_prints_timeline_from_yaml_stream_and_writes_nothing(flow, tmp_path):
    flow("checkout_updated", [
        {"subject": "You left {{ cart.lines|length }} items", "delay_amount": 1, "delay_unit": "hours"},
        {"subject": "Still thinking?", "delay_amount": 24, "delay_unit": "hours"},
    ], name="Cart", journey_per="checkout_id", exit_events="order_completed", debounce_minutes=30)
    path = tmp_path / "events.yaml"
    path.write_text(STREAM)
    out = io.StringIO()
    call_command("drip_simulate", events=str(path), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == [
        "2026-03-02 09:00 UTC  sim@example.com  event checkout_updated",
        "2026-03-02 09:05 UTC  sim@example.com  event checkout_updated",
        "2026-03-02 10:05 UTC  sim@example.com  email “You left 2 items” (Cart, step Send an email #1)",
        "2026-03-03 09:00 UTC  sim@example.com  event order_completed",
        "2026-03-03 09:00 UTC  sim@example.com  exited Cart: exit event order_completed",
    ]
    assert mail.outbox == []
    assert not (Contact.objects.exists() or Event.objects.exists() or Enrollment.objects.exists() or Message.objects.exists())


def test_simulator_shows_subjects_as_the_email_has_them_not_html_escaped(flow, tmp_path):
    flow("checkout_updated", [{"subject": "Still want the {{ cart.lines.0.name }}?", "delay_amount": 1,
                               "delay_unit": "hours"}], name="Cart", journey_per="checkout_id")
    path = tmp_path / "events.yaml"
    path.write_text(STREAM.replace("{name: Mug}, {name: Tea}", "{name: \"Tom's mug & lid\"}"))
    out = io.StringIO()
    call_command("drip_simulate", events=str(path), stdout=out)
    assert "email “Still want the Tom's mug & lid?” (Cart, step Send an email #1)" in out.getvalue()


def test_simulator_reports_bad_yaml_with_its_position(db, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("- at: 2026-03-02T09:00:00Z\n  event: x\n- at: tomorrow\n  event: y\n  email: a@b.co\n")
    with pytest.raises(CommandError, match=r"\[0\]: no `email`"):
        call_command("drip_simulate", events=str(path))
    with pytest.raises(CommandError, match=r"\[1\]\.at: 'tomorrow' is not a date-time"):
        call_command("drip_simulate", events=str(path), email="a@b.co")


def test_point_simulator_shows_the_a_b_variant_each_contact_gets(db):
    from tests.engine.test_variants import ab_sequence

    ab_sequence()  # "Subject A" for variant A, "Subject B" for B, half each
    start = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    stream = [SimulatedEvent(start, "signed_up", f"ab{n}@example.com", {}) for n in range(20)]
    subjects = Counter(entry.what.partition("”")[0] for entry in simulate(stream, until=start + dt.timedelta(days=1))
                       if entry.what.startswith("email"))
    assert set(subjects) == {"email “Subject A", "email “Subject B"} and sum(subjects.values()) == 20, subjects
