"""Issue 19, as an operator in a real browser: the dashboard panel, the
failed messages view with its retry, the contact timeline — screenshots kept
in test-artifacts/."""
from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Page, Site

from drip_plugin.analytics.aggregates import backfill
from drip_plugin.models import Message
from drip_plugin.models.messages import MessageStatus
from tests.health.seed import seed_health

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, django_user_model, next_url: str):
    django_user_model.objects.create_superuser("operator", "op@shop.test", "secret-pw")
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", "operator")
    page.fill("#id_password", "secret-pw")
    page.click("button[type=submit]")


def test_point5_failed_messages_view_and_retry(page, artifacts, django_user_model):
    messages = seed_health(timezone.now())
    log_in(page, django_user_model, "/admin/drip/failed/")
    expect(page.get_by_role("heading", name="Failed messages")).to_be_visible()
    expect(page.get_by_role("cell", name="outcome unknown", exact=True)).to_be_visible()
    page.screenshot(path=artifacts / "operator-failed-messages.png", full_page=True)

    page.get_by_label(f"Retry message {messages['c0'].pk}").check()
    page.get_by_label(f"Retry message {messages['c3'].pk}").check()
    page.get_by_role("button", name="Retry the ticked messages").click()
    expect(page.get_by_text("1 message queued again.")).to_be_visible()
    expect(page.get_by_text("1 message of unknown outcome was not retried")).to_be_visible()
    page.screenshot(path=artifacts / "operator-failed-messages-retried.png", full_page=True)
    assert Message.objects.get(pk=messages["c0"].pk).status == MessageStatus.QUEUED
    assert Message.objects.get(pk=messages["c3"].pk).status == MessageStatus.FAILED


def test_point5_contact_timeline(page, artifacts, django_user_model):
    messages = seed_health(timezone.now())
    contact = messages["c8"].enrollment.contact
    log_in(page, django_user_model, f"/admin/drip_contacts/inspect/{contact.pk}/")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.get_by_role("link", name="web version")).to_be_visible()
    expect(page.get_by_text("1 opens, 1 clicks")).to_be_visible()
    page.screenshot(path=artifacts / "operator-contact-timeline.png", full_page=True)


def test_point5_dashboard_panel_on_the_home_page(page, artifacts, django_user_model):
    # Wagtail's home page needs a page tree, which a flushed test database lacks.
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    Site.objects.update_or_create(hostname="localhost", port=80,
                                  defaults={"root_page": root, "is_default_site": True})
    messages = seed_health(timezone.now())
    Message.objects.filter(pk=messages["c6"].pk).update(revenue=42, revenue_currency="EUR")
    backfill()  # the panel reads revenue from the aggregates
    log_in(page, django_user_model, "/admin/")
    panel = page.get_by_role("region", name="Drip campaigns")
    expect(panel.get_by_text("failures today")).to_be_visible()
    expect(panel).to_contain_text("4 failures today")
    expect(panel.get_by_role("cell", name="42.00 EUR")).to_be_visible()
    panel.screenshot(path=artifacts / "operator-dashboard-panel.png")
    page.screenshot(path=artifacts / "operator-dashboard.png", full_page=True)
