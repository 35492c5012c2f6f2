"""Issue 18, point 4 in a real browser: the raw MJML field is a CodeMirror
code editor (line numbers, highlighting) whose text is what the form saves,
and after saving, the line of a validation error carries the error marker.
Screenshot in test-artifacts/point4-code-editor-error-line.png."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from drip_plugin.models import Email

from ..rendering.test_validation import GOOD
from .code_editor import code_editor, fill_code
from .test_editor_guardrails import TYPO, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPO_LINE = 4  # <mj-buton> in TYPO


def test_point4_code_editor_marks_the_line_of_a_validation_error(page, artifacts, django_user_model):
    log_in(page, django_user_model)
    email = Email.objects.create(name="Welcome", subject="Hi", mjml=GOOD, live=False)
    page.goto(f"/admin/snippets/drip_plugin/email/edit/{email.pk}/")
    editor = code_editor(page)
    expect(editor).to_be_visible()
    expect(page.locator("#id_mjml")).to_be_hidden()
    expect(editor.locator(".cm-lineNumbers")).to_contain_text("7")
    expect(editor.locator(".cm-drip-problem-marker")).to_have_count(0)
    # XML highlighting: tag names are styled spans, not plain text.
    expect(editor.locator(".cm-line span", has_text="mj-text").first).to_be_visible()

    fill_code(page, TYPO)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Saved as a draft with a problem")).to_be_visible()
    email.refresh_from_db()
    assert email.get_latest_revision_as_object().mjml.replace("\r\n", "\n") == TYPO, "the editor's text was saved"

    editor = code_editor(page)
    marker = editor.locator(".cm-drip-problem-marker")
    expect(marker).to_have_count(1)
    expect(marker).to_have_attribute("title", "<mj-buton> is not an MJML component — did you mean <mj-button>?")
    lines = editor.locator(".cm-content > .cm-line")
    expect(lines.nth(TYPO_LINE - 1)).to_have_class("cm-line cm-drip-problem-line")
    expect(editor.locator(".cm-drip-problem-line")).to_have_count(1)
    # The marker sits in the gutter row of line 4, beside its number.
    number_box = editor.locator(".cm-lineNumbers .cm-gutterElement").filter(has_text=str(TYPO_LINE)).last
    marker_row, number_row = marker.bounding_box(), number_box.bounding_box()
    assert number_row["y"] <= marker_row["y"] + marker_row["height"] / 2 <= number_row["y"] + number_row["height"]
    editor.screenshot(path=artifacts / "point4-code-editor-error-line.png")
    page.screenshot(path=artifacts / "point4-code-editor-error-line-page.png", full_page=True)
