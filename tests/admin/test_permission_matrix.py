"""Issue 18, "The permission matrix test covers each role × view/action":
a viewer, an editor and a moderator (groups with the permissions the README's
matrix lists, see tests.factories.ROLE_PERMISSIONS) against every drip view
and action. Importing and exporting sequences (drip_export / drip_import) are
management commands only: no admin view to guard."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.admin.menu import admin_menu

from drip_plugin.models import Contact, ContactImport, Email, Sequence, Step

from ..factories import logged_in_as, refused, role_group
from ..ingest.test_event_names import sequence_form
from ..rendering.test_validation import GOOD

pytestmark = pytest.mark.django_db

ALLOWED, DENIED = True, False
ROLES = ("viewer", "editor", "moderator")

# action: (method, url name, what the url takes, data) → per role in ROLES
MATRIX = {
    "sequences list": (("get", "wagtailsnippets_drip_plugin_sequence:list", None, None), (ALLOWED, ALLOWED, ALLOWED)),
    "add a sequence": (("get", "wagtailsnippets_drip_plugin_sequence:add", None, None), (DENIED, ALLOWED, ALLOWED)),
    "edit a sequence": (("get", "wagtailsnippets_drip_plugin_sequence:edit", "sequence", None),
                        (DENIED, ALLOWED, ALLOWED)),
    "edit an email": (("get", "wagtailsnippets_drip_plugin_email:edit", "email", None), (DENIED, ALLOWED, ALLOWED)),
    "report": (("get", "drip_plugin_report", None, None), (ALLOWED, ALLOWED, ALLOWED)),
    "simulate": (("get", "drip_plugin_simulate", None, None), (DENIED, ALLOWED, ALLOWED)),
    "starters": (("get", "drip_plugin_starters", None, None), (DENIED, ALLOWED, ALLOWED)),
    "test send": (("get", "drip_plugin_email_test_send", "email", None), (DENIED, ALLOWED, ALLOWED)),
    "test send preview as a contact": (
        ("post", "drip_plugin_email_test_send", "email", {"preview": "1", "as_contact": "ann@shop.test"}),
        (DENIED, ALLOWED, ALLOWED)),
    "contacts list": (("get", "drip_contacts:index", None, None), (ALLOWED, ALLOWED, ALLOWED)),
    "edit a contact": (("get", "drip_contacts:edit", "contact", None), (DENIED, DENIED, ALLOWED)),
    "export a contact's data": (("get", "drip_contacts:export", "contact", None), (DENIED, DENIED, ALLOWED)),
    "erase a contact (confirm)": (("get", "drip_contacts:erase", "contact", None), (DENIED, DENIED, ALLOWED)),
    # Importing takes the "add contact" permission, which none of these roles has.
    "import contacts": (("get", "drip_plugin_contact_import", None, None), (DENIED, DENIED, DENIED)),
    "a contact import's page": (("get", "drip_plugin_contact_import_job", "contact_import", None),
                                (DENIED, DENIED, DENIED)),
    "a contact import's progress": (("get", "drip_plugin_contact_import_json", "contact_import", None),
                                    (DENIED, DENIED, DENIED)),
    "publish with its emails": (("get", "drip_plugin_sequence_publish_with_emails", "sequence", None),
                                (DENIED, DENIED, ALLOWED)),
}
# the menu item of each view that has one
MENU = {"report": "drip_report", "simulate": "drip_simulate", "starters": "drip_starters"}


@pytest.fixture
def objects() -> dict:
    email = Email.objects.create(name="Welcome #1", subject="Hi", mjml=GOOD, live=False)
    email.save_revision()
    sequence = Sequence.objects.create(name="Welcome", trigger_event="signed_up", live=False)
    Step.objects.create(sequence=sequence, sort_order=0, email=email)
    sequence.save_revision()
    return {"sequence": sequence, "email": email, "contact": Contact.objects.create(email="ann@shop.test"),
            "contact_import": ContactImport.objects.create(file_name="people.csv", stored_name="x.csv", dry_run=True)}


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
@pytest.mark.parametrize("action", MATRIX)
def test_point3_permission_matrix(action, role_index, role, objects, client):
    (method, url_name, takes, data), expected = MATRIX[action]
    url = reverse(url_name, args=[objects[takes].pk] if takes else [])
    response = getattr(logged_in_as(client, role), method)(url, data or {})
    if expected[role_index] is ALLOWED:
        assert response.status_code in (200, 302) and not refused(response), f"{role} may use {action}"
    else:
        assert refused(response), f"{role} may not use {action} (got {response.status_code})"


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
@pytest.mark.parametrize("action", MENU)
def test_point3_menu_items_follow_the_matrix(action, role_index, role, rf, django_user_model):
    user = django_user_model.objects.create_user(role)
    user.groups.add(role_group(role))
    request = rf.get("/admin/")
    request.user = user
    drip = next((item for item in admin_menu.menu_items_for_request(request) if item.name == "drip"), None)
    names = {item.name for item in drip.menu.menu_items_for_request(request)} if drip else set()
    assert (MENU[action] in names) is MATRIX[action][1][role_index]


@pytest.mark.parametrize("role,goes_live", [("editor", False), ("moderator", True)])
def test_point3_publish_action_per_role(role, goes_live, objects, client):
    email, sequence = objects["email"], objects["sequence"]
    email.save_revision().publish()
    logged_in_as(client, role).post(reverse("wagtailsnippets_drip_plugin_sequence:edit", args=[sequence.pk]),
                                    sequence_form(email, **{"action-publish": "action-publish"}))
    sequence.refresh_from_db()
    assert sequence.live is goes_live


@pytest.mark.parametrize("role,erased", [("editor", False), ("moderator", True)])
def test_point3_erase_action_per_role(role, erased, objects, client):
    contact = objects["contact"]
    client = logged_in_as(client, role)
    response = client.post(reverse("drip_contacts:erase", args=[contact.pk]))
    assert Contact.objects.filter(pk=contact.pk).exists() is not erased
    assert refused(response) is not erased


def test_point3_test_send_as_a_contact_needs_view_contact(objects, client):
    """change_email alone sends tests, but rendering as a real contact shows their data."""
    from django.contrib.auth.models import Permission

    group = role_group("editor")
    group.permissions.remove(Permission.objects.get(codename="view_contact"))
    client = logged_in_as(client, "editor")
    url = reverse("drip_plugin_email_test_send", args=[objects["email"].pk])
    assert client.get(url).status_code == 200
    assert refused(client.post(url, {"preview": "1", "as_contact": "ann@shop.test"}))
    assert client.post(url, {"preview": "1", "as_contact": ""}).status_code == 200
