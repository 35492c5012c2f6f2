"""Issue 7: starting a sequence from a starter in the Wagtail admin."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.html import escape

from drip_plugin.models import Sequence
from drip_plugin.starters import STARTERS, create_from_starter, get_starter


def test_admin_starters_page_creates_the_draft_and_opens_its_edit_view(editor):
    page = editor.get(reverse("drip_plugin_starters")).content.decode()
    assert all(escape(str(starter.description)) in page for starter in STARTERS)
    response = editor.post(reverse("drip_plugin_starters"), {"starter": "birthday"})
    sequence = Sequence.objects.get(name="Birthday")
    assert response.status_code == 302
    assert response.url == reverse("wagtailsnippets_drip_plugin_sequence:edit", args=[sequence.pk])
    assert not sequence.live and editor.get(response.url).status_code == 200
    again = editor.post(reverse("drip_plugin_starters"), {"starter": "birthday"})
    assert again.url == response.url and Sequence.objects.count() == 1
    assert "Open existing" in editor.get(reverse("drip_plugin_starters")).content.decode()


def test_admin_starters_unknown_starter_is_404_and_needs_add_permission(editor, client):
    assert editor.post(reverse("drip_plugin_starters"), {"starter": "nope"}).status_code == 404
    staff = get_user_model().objects.create_user("viewer", "v@shop.test", "pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    denied = client.post(reverse("drip_plugin_starters"), {"starter": "birthday"})
    # Wagtail turns PermissionDenied into a redirect to the dashboard.
    assert denied.url == reverse("wagtailadmin_home") and not Sequence.objects.exists()


def test_admin_sequence_listing_offers_from_a_starter_and_email_listing_renders(editor):
    create_from_starter(get_starter("welcome"))
    page = editor.get(reverse("wagtailsnippets_drip_plugin_sequence:list")).content.decode()
    assert reverse("drip_plugin_starters") in page and "Welcome series" in page
    assert "Welcome #2: tips" in editor.get(reverse("wagtailsnippets_drip_plugin_email:list")).content.decode()
