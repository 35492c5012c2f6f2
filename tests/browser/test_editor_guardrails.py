"""Issue 17 in a real browser: a typo'd MJML tag is shown on its line and
publishing is refused; fixed, the email publishes; a Heading block's filter
with a quoted argument previews as in raw MJML. Screenshots in test-artifacts/."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from drip_plugin.models import Email

from ..rendering.test_validation import GOOD
from .code_editor import fill_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPO = GOOD.replace("<mj-text>Hi {{ contact.first_name }}</mj-text>", "<mj-buton>Hi</mj-buton>")


def log_in(page, django_user_model) -> None:
    django_user_model.objects.create_superuser("editor", "editor@shop.test", "secret-pw")
    page.goto("/admin/login/?next=/admin/snippets/drip_plugin/email/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "secret-pw")
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Emails")).to_be_visible()


def publish(page) -> None:
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish").click()


def test_typo_tag_error_on_its_line_publish_refused_then_fixed_publishes(page, artifacts, django_user_model):
    log_in(page, django_user_model)
    email = Email.objects.create(name="Welcome", subject="Hi", mjml=GOOD, live=False)
    page.goto(f"/admin/snippets/drip_plugin/email/edit/{email.pk}/")
    fill_code(page, TYPO)
    publish(page)
    message = "Line 4: <mj-buton> is not an MJML component — did you mean <mj-button>?"
    expect(page.locator("#panel-child-or-the-whole-email-in-raw-mjml-section, form").get_by_text(message).first) \
        .to_be_visible()
    page.screenshot(path=artifacts / "editor-typo-publish-refused.png", full_page=True)
    email.refresh_from_db()
    assert not email.live, "publishing was refused"

    fill_code(page, GOOD)
    publish(page)
    expect(page.get_by_text("Email 'Welcome' updated and published.")).to_be_visible()
    email.refresh_from_db()
    assert email.live and email.mjml.replace("\r\n", "\n") == GOOD  # browsers submit CRLF


def test_heading_block_with_quoted_filter_argument_previews(page, artifacts, django_user_model):
    log_in(page, django_user_model)
    email = Email.objects.create(name="Blocks", subject="Hi", live=True, body=[
        ("heading", {"text": 'Hi {{ contact.attributes.nickname|default:"there" }}', "size": "24px"})])
    page.goto(f"/admin/snippets/drip_plugin/email/edit/{email.pk}/")
    page.get_by_role("button", name="Toggle preview").click()
    expect(page.frame_locator("#w-preview-iframe").get_by_text("Hi there")).to_be_visible()
    page.screenshot(path=artifacts / "editor-heading-filter-preview.png", full_page=True)
