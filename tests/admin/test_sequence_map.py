"""Issue 18, sequence map: a sequence with a branch shows both paths with
their labels, and each step's counts equal the seeded journeys and messages."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from drip_plugin.analytics.flow import END, build_flow, step_key
from drip_plugin.analytics.flow_svg import flow_svg
from drip_plugin.models import Contact, Enrollment, Message
from drip_plugin.models.enrollments import EnrollmentState
from drip_plugin.models.messages import MessageStatus
from drip_plugin.models.sequences import StepKind

from ..factories import activity, build_sequence, logged_in_editor

pytestmark = pytest.mark.django_db


def branching_sequence():
    """welcome → branch (ordered?) — true: thanks → exit; false: nudge → end."""
    return build_sequence("Onboarding", exit_events="unsubscribed_all", steps=[
        {"subject": "Welcome", "label": "welcome"},
        {"kind": StepKind.BRANCH, "label": "ordered", "delay_amount": 2, "delay_unit": "days",
         "condition": [activity("order_completed")], "if_false_goto": "nudge"},
        {"subject": "Thanks for your order", "label": "thanks"},
        {"kind": StepKind.EXIT},
        {"subject": "Still thinking?", "label": "nudge", "delay_amount": 1, "delay_unit": "days"},
    ])


def seed(sequence) -> dict[str, object]:
    steps = {step.label or "exit": step for step in sequence.steps.all()}
    now = timezone.now()

    def journey(number: int, step, state=EnrollmentState.ACTIVE):
        contact = Contact.objects.create(email=f"c{number}@shop.test")
        return Enrollment.objects.create(contact=contact, sequence=sequence, state=state, current_step=step,
                                         due_at=now + dt.timedelta(days=1) if state == EnrollmentState.ACTIVE else None)

    def message(enrollment, step, status, revenue="0"):
        Message.objects.create(enrollment=enrollment, step=step, to_email=enrollment.contact.email, status=status,
                               send_after=now, revenue=Decimal(revenue), revenue_currency="EUR" if revenue != "0" else "")

    at_branch = [journey(n, steps["ordered"]) for n in range(3)]  # 3 waiting at the branch
    at_nudge = [journey(n, steps["nudge"]) for n in range(3, 5)]  # 2 waiting at the nudge
    journey(5, steps["ordered"], EnrollmentState.COMPLETED)  # over: waits nowhere
    for enrollment in at_branch + at_nudge:
        message(enrollment, steps["welcome"], MessageStatus.SENT)  # 5 sent
    message(at_nudge[0], steps["thanks"], MessageStatus.SENT, revenue="42.00")
    message(at_nudge[1], steps["thanks"], MessageStatus.SENT)
    message(at_branch[0], steps["nudge"], MessageStatus.FAILED)  # not sent
    return steps


def test_point5_sequence_map_shows_both_branch_paths_and_counts_equal_seeded_data(django_assert_num_queries):
    sequence = branching_sequence()
    steps = seed(sequence)
    with django_assert_num_queries(4):  # steps, their variants, waiting, messages: whatever the volume
        flow = build_flow(sequence)
    svg = str(flow_svg(flow))
    branch = step_key(steps["ordered"])
    edge = r'<g class="edge" data-source="{}" data-target="{}" data-label="{}">.*?<text[^>]*>{}</text></g>'
    assert re.search(edge.format(branch, step_key(steps["thanks"]), "true", "true"), svg)
    assert re.search(edge.format(branch, step_key(steps["nudge"]), "false", "false"), svg)
    assert re.search(edge.format(step_key(steps["exit"]), END, "exit", "exit"), svg)
    counts = {node.key: (node.waiting, node.sent, node.converted) for node in flow.nodes}
    assert counts[step_key(steps["welcome"])] == (0, 5, 0)
    assert counts[branch] == (3, None, None)
    assert counts[step_key(steps["thanks"])] == (0, 2, 1)
    assert counts[step_key(steps["nudge"])] == (2, 0, 0)
    assert "waiting 3" in svg and "sent 2 · converted 1" in svg
    assert "if has order_completed since entering" in svg and "on unsubscribed_all" in svg


def test_a_false_path_without_a_target_ends_the_journey():
    sequence = build_sequence("Short", steps=[
        {"kind": StepKind.BRANCH, "condition": [activity("order_completed")]}, {"subject": "Thanks"}])
    flow = build_flow(sequence)
    branch = step_key(sequence.steps.get(kind=StepKind.BRANCH))
    assert {(edge.target, edge.label) for edge in flow.edges_from(branch)} == {
        (step_key(sequence.steps.get(kind=StepKind.EMAIL)), "true"), (END, "false")}


def test_sequence_map_page_has_the_svg_and_its_table_and_is_linked_from_the_sequence(client):
    editor = logged_in_editor(client)
    sequence = branching_sequence()
    seed(sequence)
    url = reverse("drip_plugin_sequence_map", args=[sequence.pk])
    page = editor.get(url).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="drip-flow"' in page and 'role="img"' in page
    assert "<caption>The same flow as a table</caption>" in page and "false → 5. Send an email [nudge]" in page
    assert url in editor.get(reverse("wagtailsnippets_drip_plugin_sequence:edit", args=[sequence.pk])).content.decode()
    assert url in editor.get(reverse("wagtailsnippets_drip_plugin_sequence:list")).content.decode()
