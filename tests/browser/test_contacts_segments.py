"""Issue 20 in a real browser: the contact import's dry run, then the import,
each followed by its progress bar until a worker (here: the test) runs it;
the segment count under a sequence's flow filters, following an edit."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from drip_plugin import identify
from drip_plugin.ingest.contact_import import run_import_job
from drip_plugin.models import Contact, ContactImport
from tests.factories import build_sequence, condition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = ("email,first_name,consent_source,city\n"
       "ann@example.com,Ann,signup form,Lyon\n"
       "not-an-email,,,\n"
       "bob@example.com,Bob,,Paris\n")


def _log_in(page, django_user_model, next_url: str) -> None:
    django_user_model.objects.create_superuser("editor", "editor@shop.test", "secret-pw")
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "secret-pw")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def test_point_browser_contact_import_progress_bar_then_result_of_the_dry_run_and_the_import(
        page, artifacts, django_user_model, settings, tmp_path, celery_memory_app):
    settings.MEDIA_ROOT = tmp_path
    _log_in(page, django_user_model, "/admin/drip/contacts/import/")
    page.set_input_files("input[type=file]", files=[{"name": "people.csv", "mimeType": "text/csv",
                                                      "buffer": CSV.encode()}])
    page.get_by_role("button", name="Dry run").click()
    # Queued on the broker, not run in the request: the page shows its progress bar and polls.
    expect(page.locator(".drip-import-progress progress")).to_be_visible()
    expect(page.locator(".drip-import-status")).to_have_text("Waiting for a worker…")
    page.screenshot(path=artifacts / "contact-import-progress.png", full_page=True)
    run_import_job(ContactImport.objects.get(dry_run=True).pk)  # what the worker does
    expect(page.locator('[data-count="created"]')).to_have_text("2")  # the page followed it by itself
    expect(page.locator('[data-count="refused"]')).to_have_text("1")
    expect(page.locator(".drip-import-refused")).to_contain_text("'not-an-email' is not a valid email address")
    page.screenshot(path=artifacts / "contact-import-dry-run.png", full_page=True)
    imported = Contact.objects.exclude(email="editor@shop.test")  # (the editor's signup made a contact)
    assert not imported.exists()
    page.get_by_role("button", name="Import these contacts").click()
    expect(page.locator(".drip-import-progress progress")).to_be_visible()
    run_import_job(ContactImport.objects.get(dry_run=False).pk)
    expect(page.get_by_text("Imported: 2 created, 0 changed, 1 refused.")).to_be_visible()
    page.screenshot(path=artifacts / "contact-import-result.png", full_page=True)
    assert dict(imported.values_list("email", "is_subscribed")) == {"ann@example.com": True,
                                                                          "bob@example.com": False}


def test_browser_segment_count_under_the_flow_filters_follows_an_edit(page, artifacts, django_user_model):
    for email, city in [("a@example.com", "Lyon"), ("b@example.com", "Lyon"), ("c@example.com", "Paris")]:
        identify(email, attributes={"city": city})
    identify("d@example.com")
    # (The editor's signup below adds a fifth contact, without a city.)
    sequence = build_sequence("Lyon news", flow_filters=[condition("contact.city", "equals", "Lyon")])
    _log_in(page, django_user_model, f"/admin/snippets/drip_plugin/sequence/edit/{sequence.pk}/")
    count = page.locator('.drip-segment-count[data-field="flow_filters"]')
    expect(count).to_have_text("2 of 5 contacts match the contact conditions (2 subscribed).")
    page.locator('input[name="flow_filters-0-value-value"]').fill("Paris")
    expect(count).to_have_text("1 of 5 contacts match the contact conditions (1 subscribed).")
    count.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "segment-count.png", full_page=True)
    expect(page.locator('.drip-segment-count[data-field="trigger_filters"]')).to_have_text(
        "5 of 5 contacts match the contact conditions (5 subscribed).")
