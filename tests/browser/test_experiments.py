"""Issue 21 in a real browser: the experiment panel with its verdict sentence,
and the variants edited inline in the sequence's editor."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from drip_plugin import track
from drip_plugin.models import Enrollment, ExperimentDecision, Message, Step
from drip_plugin.scheduling import tick
from tests.analytics.test_conversions import engage
from tests.browser.test_operator_views import log_in
from tests.engine.test_experiments import abn_step, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_point_browser_experiment_panel_with_its_verdict_sentence_screenshot(page, artifacts, django_user_model):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        step = abn_step({"A": 50, "B": 50}, experiment_horizon=100, auto_winner=True,
                        sequence={"goal_event": "order_completed", "holdout_percent": 10})
        sign_up("w", 300)
        clock.shift(dt.timedelta(hours=1))
        for message in Message.objects.filter(variant="B")[:40]:
            engage(message, "clicked")
        for message in Message.objects.filter(variant="A")[:8]:
            engage(message, "clicked")
        tick()
        for n, message in enumerate(Message.objects.filter(variant="B")[:30]):
            track("order_completed", email=message.to_email,
                  properties={"order_id": f"o{n}", "order": {"total": "35.00", "currency": "EUR"}})
    decision = ExperimentDecision.objects.get(step=step)
    assert Enrollment.objects.count() == 300
    log_in(page, django_user_model, f"/admin/drip/report/{step.sequence_id}/%3Fdays%3Dcustom%26start%3D2026-03-01"
                                    "%26end%3D2026-03-05")
    panel = page.locator(f"#experiment-{step.pk}")
    expect(panel.locator(".drip-verdict")).to_have_text(decision.verdict)
    expect(panel.locator(".drip-verdict")).to_contain_text("B beats A on clicks: +")
    expect(panel).to_contain_text("New sends go to the winner.")
    expect(page.locator("#holdout-lift li")).to_have_count(2)
    # 301: creating the operator's user is a sign-up too (django_auth integration).
    expect(page.locator("#goal-summary")).to_have_text("30 of 301 journeys reached order_completed.")
    page.locator(f"#experiment-{step.pk}").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "experiment_panel.png"), full_page=True)
    panel.get_by_role("button", name="Revert: send by the weights again").click()
    expect(page.locator(f"#experiment-{step.pk}")).to_contain_text("Reverted")


def test_point_browser_variants_are_edited_inline_in_the_sequence_editor(page, django_user_model):
    step = abn_step({"A": 50, "B": 30, "C": 20})
    log_in(page, django_user_model, f"/admin/snippets/drip_plugin/sequence/edit/{step.sequence_id}/")
    expect(page.locator("select[name='steps-0-variants-0-label']")).to_have_value("B")
    expect(page.locator("select[name='steps-0-variants-1-label']")).to_have_value("C")
    page.fill("input[name='steps-0-variants-1-weight']", "45")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Sequence 'Welcome' updated.")).to_be_visible()
    draft = Step.objects.get(pk=step.pk).sequence.latest_revision.as_object()
    assert sorted((v.label, v.weight) for v in draft.steps.all()[0].variants.all()) == [("B", 30), ("C", 45)]
