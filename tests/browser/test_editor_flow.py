"""Issue 7, as an editor: a sequence from a starter, a broken email shown with
its line, preview on desktop and mobile, a test send previewed then sent — in a real browser."""
from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from drip_plugin.models import Email, Sequence

from .code_editor import fill_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editor_creates_from_starter_sees_line_error_previews_and_test_sends(page, artifacts, django_user_model):
    django_user_model.objects.create_superuser("editor", "editor@shop.test", "secret-pw")

    # Straight to a drip page: the dashboard needs Wagtail's root page, which an
    # earlier transactional test's flush removes.
    page.goto("/admin/login/?next=/admin/snippets/drip_plugin/sequence/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "secret-pw")
    page.click("button[type=submit]")
    page.get_by_role("button", name="Drip", exact=True).click()  # drip's one menu group
    expect(page.get_by_role("link", name="Drip sequences")).to_be_visible()

    # Create a sequence from a starter, from the sequence listing's header.
    page.goto("/admin/snippets/drip_plugin/sequence/")
    page.get_by_role("link", name="From a starter").click()
    page.get_by_role("button", name="Create “Cart abandonment”").click()
    expect(page).to_have_url(re.compile(r"/admin/snippets/drip_plugin/sequence/edit/\d+/$"))
    expect(page.get_by_text("“Cart abandonment” created as a draft")).to_be_visible()

    # Break the first email's MJML: the form shows the problem with its line.
    page.goto("/admin/snippets/drip_plugin/email/")
    page.get_by_role("link", name="Cart abandonment #1").click()
    original = page.input_value("#id_mjml")
    lines = original.split("\n")
    broken = next(n for n, line in enumerate(lines) if "you left something behind" in line)
    lines[broken] = lines[broken].replace("you left", "<b>you left")  # never closed
    fill_code(page, "\n".join(lines))
    page.get_by_role("button", name="Save draft").click()
    line = broken + 1
    expect(page.get_by_text(f"Line {line}: </mj-text> found but <b> (line {line}) is still open")).to_be_visible()
    page.screenshot(path=artifacts / "editor-mjml-error.png", full_page=True)

    # Fix it and save.
    fill_code(page, original)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Email 'Cart abandonment #1' updated.")).to_be_visible()

    # Preview on desktop and on mobile, each at its device width.
    page.get_by_role("button", name="Toggle preview").click()
    preview = page.frame_locator("#w-preview-iframe")
    for mode, size in (("desktop", "Desktop"), ("mobile", "Mobile")):
        page.locator("label.w-preview__size-button", has=page.get_by_role("radio", name=size)).click()
        page.select_option("#id_preview_mode", mode)
        # The mobile mode frames the email 375px wide inside the preview.
        frame = preview.frame_locator("iframe[title='mobile preview']") if mode == "mobile" else preview
        expect(frame.get_by_text("Canvas tote")).to_be_visible()
        expect(frame.get_by_role("link", name="Unsubscribe")).to_be_visible()
        page.locator(".w-preview__wrapper").screenshot(path=artifacts / f"preview-{mode}.png")

    # Send a test from the editor's action menu.
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("link", name="Send a test…").click()
    expect(page.locator("#id_recipients")).to_have_value("editor@shop.test")
    # Preview on that page first: the email in a sandboxed frame, nothing sent.
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.frame_locator("iframe[title='Email preview']").get_by_text("Canvas tote")).to_be_visible()
    page.screenshot(path=artifacts / "test-send-preview.png", full_page=True)
    assert mail.outbox == []
    page.get_by_role("button", name="Send test").click()
    expect(page.get_by_text("Test sent to editor@shop.test.")).to_be_visible()

    (sent,) = mail.outbox
    assert sent.subject == "[TEST] You left something in your cart" and sent.to == ["editor@shop.test"]
    assert "Canvas tote" in sent.alternatives[0][0]
    assert sent.anymail_test_params["tags"] == ["drip-test"], "went through the anymail test backend"
    assert not Sequence.objects.get(name="Cart abandonment").live
    assert Email.objects.filter(name="Cart abandonment #1", live=False).exists()
