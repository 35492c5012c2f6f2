"""Issue 18, point 5 in a real browser: the map of a sequence with a branch shows
both paths and the seeded counts, reached from the sequence's edit page.
Screenshot in test-artifacts/point5-sequence-map-branch-both-paths.png."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..admin.test_sequence_map import branching_sequence, seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_point5_sequence_map_with_a_branch_shows_both_paths_and_counts(page, artifacts, django_user_model):
    sequence = branching_sequence()
    seed(sequence)
    django_user_model.objects.create_superuser("editor", "editor@shop.test", "secret-pw")
    page.goto(f"/admin/login/?next=/admin/snippets/drip_plugin/sequence/edit/{sequence.pk}/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "secret-pw")
    page.click("button[type=submit]")
    page.get_by_role("link", name="Map").click()
    expect(page.get_by_role("heading", name="Sequence map")).to_be_visible()
    diagram = page.locator("svg.drip-flow")
    expect(diagram).to_be_visible()
    expect(diagram.locator('g.edge[data-label="true"] text')).to_have_text("true")
    expect(diagram.locator('g.edge[data-label="false"] text')).to_have_text("false")
    expect(diagram.get_by_text("waiting 3")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("false → 5. Send an email [nudge]")
    page.screenshot(path=str(artifacts / "point5-sequence-map-branch-both-paths.png"), full_page=True)
