"""Issue 18, points 1 and 2 in a real browser, each with its screenshots in
test-artifacts/: the second editor sees the first's lock and cannot save over
it (its editor offers no save); an editor submits a sequence with its draft email, a moderator approves
it in the editor and both go live."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from drip_plugin.models import Sequence

from ..admin.test_teamwork import draft_sequence_with_draft_email, moderation  # noqa: F401 (a fixture)
from ..factories import role_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def person(chromium, live_server, django_user_model):
    """A browser of its own for each person, logged in as a member of `role`'s group."""
    contexts = []

    def log_in(username: str, role: str):
        user = django_user_model.objects.create_user(username, f"{username}@shop.test", "secret-pw")
        user.groups.add(role_group(role))
        context = chromium.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.goto("/admin/login/?next=/admin/snippets/drip_plugin/email/")
        page.fill("#id_username", username)
        page.fill("#id_password", "secret-pw")
        page.click("button[type=submit]")
        expect(page.get_by_role("heading", name="Emails")).to_be_visible()
        return page

    yield log_in
    for context in contexts:
        context.close()


def edit_path(sequence: Sequence) -> str:
    return reverse("wagtailsnippets_drip_plugin_sequence:edit", args=[sequence.pk])


def test_point1_second_editor_sees_the_lock_and_cannot_save_over_the_first(person, artifacts):
    sequence, _email = draft_sequence_with_draft_email()
    first, second = person("first", "editor"), person("second", "editor")

    # The first editor locks the sequence from its edit page (the lock view, with the page's CSRF token).
    first.goto(edit_path(sequence))
    token = first.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    locked = first.request.post(reverse("wagtailsnippets_drip_plugin_sequence:lock", args=[sequence.pk]),
                                headers={"X-CSRFToken": token, "Referer": first.url})
    assert locked.ok
    sequence.refresh_from_db()
    assert sequence.locked and sequence.locked_by.username == "first"

    second.goto(edit_path(sequence))
    expect(second.get_by_text("'Welcome' was locked by first").first).to_be_visible()
    # Wagtail offers no save: the action button says "Locked" (a forced post is
    # refused too: tests/admin/test_teamwork.py, same point).
    expect(second.get_by_role("button", name="Locked")).to_be_disabled()
    expect(second.get_by_role("button", name="Save draft")).to_have_count(0)
    second.screenshot(path=artifacts / "point1-second-editor-sees-the-lock.png", full_page=True)
    assert Sequence.objects.get(pk=sequence.pk).get_latest_revision_as_object().name == "Welcome"


def test_point2_editor_submits_moderator_approves_sequence_and_email_go_live(person, artifacts, moderation):  # noqa: F811
    sequence, email = draft_sequence_with_draft_email()
    editor = person("editor", "editor")
    editor.goto(edit_path(sequence))
    editor.get_by_role("button", name="More actions").click()
    editor.get_by_role("button", name="Submit to Drip approval").click()
    expect(editor.get_by_text("has been submitted for moderation")).to_be_visible()
    editor.screenshot(path=artifacts / "point2-workflow-submitted.png", full_page=True)
    sequence.refresh_from_db()
    email.refresh_from_db()
    assert sequence.workflow_in_progress and email.workflow_in_progress and not sequence.live

    moderator = person("moderator", "moderator")
    moderator.goto(edit_path(sequence))
    moderator.screenshot(path=artifacts / "point2-workflow-awaiting-the-moderator.png", full_page=True)
    moderator.get_by_role("button", name="More actions").click()
    moderator.get_by_role("button", name="Approve and Publish", exact=True).click()
    expect(moderator.get_by_text("Sequence 'Welcome' updated.")).to_be_visible()
    expect(moderator.get_by_role("table").get_by_role("row", name=re.compile("Welcome"))).to_contain_text(
        re.compile("live", re.I))
    moderator.screenshot(path=artifacts / "point2-workflow-approved.png", full_page=True)
    sequence.refresh_from_db()
    email.refresh_from_db()
    assert sequence.live and email.live, "approved: the sequence and its email are live"
    assert not sequence.workflow_in_progress and not email.workflow_in_progress
