"""Driving drip's MJML code editor (CodeMirror over a hidden textarea) as an editor does."""
from __future__ import annotations


def code_editor(page, field_id: str = "id_mjml"):
    return page.locator(f'[data-drip-code-editor-for="{field_id}"]')


def fill_code(page, text: str, field_id: str = "id_mjml") -> None:
    """Replace the editor's whole text the way typing or pasting does (select all, insert)."""
    code_editor(page, field_id).locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)
