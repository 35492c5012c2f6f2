"""Issue 19, as a marketer: a sequence's report with its charts and data tables, in a real browser."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from tests.analytics.test_sequence_report import seed_ab_sequence, seed_engagement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_point_browser_report_with_charts_screenshot(page, artifacts, django_user_model, settings):
    settings.TIME_ZONE = "Europe/Paris"
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        sequence = seed_ab_sequence(clock)
        seed_engagement(clock)
    django_user_model.objects.create_superuser("marketer", "marketer@shop.test", "secret-pw")

    page.goto(f"/admin/login/?next=/admin/drip/report/{sequence.pk}/%3Fdays%3Dcustom%26start%3D2026-03-01"
              "%26end%3D2026-03-05")
    page.fill("#id_username", "marketer")
    page.fill("#id_password", "secret-pw")
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Funnel", exact=True)).to_be_visible()
    expect(page.locator("svg.pygal-chart")).to_have_count(2)
    expect(page.locator("#days tbody tr")).to_have_count(5)
    expect(page.locator("#funnel")).to_contain_text("25.00 EUR")
    page.screenshot(path=str(artifacts / "report_with_charts.png"), full_page=True)
