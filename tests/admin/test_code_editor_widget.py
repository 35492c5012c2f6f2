"""Issue 18, point 4 without a browser: the raw MJML field of the email
editor is drip's code editor widget, its bundle and licences are static files
of the app, and it carries the lines of the email's problems."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from drip_plugin.forms import MJMLCodeEditor
from drip_plugin.models import Email

from ..factories import logged_in_as
from ..rendering.test_validation import GOOD

pytestmark = pytest.mark.django_db

BUNDLE, LICENCES = "drip_plugin/editor/mjml-editor.js", "drip_plugin/editor/LICENSES.txt"
FRONTEND = Path(__file__).resolve().parents[2] / "drip_plugin" / "frontend"
TYPO = GOOD.replace("<mj-text>Hi {{ contact.first_name }}</mj-text>", "<mj-buton>Hi</mj-buton>")


def problems_attribute(html: str) -> list[dict]:
    (value,) = re.findall(r'data-problems="([^"]*)"', html)
    return json.loads(value.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">"))


def test_point4_the_bundle_and_its_licences_are_static_files_of_the_app():
    bundle, licences = Path(finders.find(BUNDLE)), Path(finders.find(LICENCES))
    assert "drip_plugin/static/drip_plugin/editor" in str(bundle.parent)
    assert bundle.stat().st_size > 100_000, "CodeMirror itself is in the bundle: nothing is loaded from a CDN"
    text = licences.read_text()
    lock = json.loads((FRONTEND / "package-lock.json").read_text())
    bundled = {"codemirror", "@codemirror/view", "@codemirror/state", "@codemirror/lang-xml", "@lezer/xml"}
    for name in bundled:
        version = lock["packages"][f"node_modules/{name}"]["version"]
        assert f"{name} {version} (MIT)" in text, f"{name}'s licence, at the locked version"
    assert text.count("Permission is hereby granted") >= len(bundled)


def test_point4_the_widget_renders_with_its_static_files_and_the_problem_lines():
    widget = MJMLCodeEditor()
    assert f"/static/{BUNDLE}" in str(widget.media)
    html = widget.render("mjml", TYPO, attrs={"id": "id_mjml"})
    assert "data-drip-code-editor" in html and "&lt;mj-buton&gt;Hi" in html, "a real textarea, still submitted"
    assert problems_attribute(html) == [
        {"line": 4, "message": "<mj-buton> is not an MJML component — did you mean <mj-button>?"}]
    assert problems_attribute(widget.render("mjml", GOOD)) == []
    assert problems_attribute(widget.render("mjml", "")) == []


def test_point4_the_email_editor_uses_the_code_editor_for_raw_mjml(client):
    email = Email.objects.create(name="Welcome", subject="Hi", mjml=TYPO, live=False)
    page = logged_in_as(client, "editor").get(reverse("wagtailsnippets_drip_plugin_email:edit", args=[email.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and f"/static/{BUNDLE}" in html
    (textarea,) = re.findall(r'<textarea name="mjml"[^>]*>', html)
    assert 'id="id_mjml"' in textarea and "data-drip-code-editor" in textarea
    assert [problem["line"] for problem in problems_attribute(textarea)] == [4]
