"""Issue 16: one "Drip" menu group in the Wagtail admin."""
from __future__ import annotations

from django.contrib.auth import get_user_model


def _drip_menu(user) -> list[str]:
    from django.test import RequestFactory
    from wagtail.admin.menu import admin_menu

    request = RequestFactory().get("/admin/")
    request.user = user
    top = {item.name: item for item in admin_menu.menu_items_for_request(request)}
    assert not {"drip_sequences", "drip_emails", "drip-contacts"} & set(top), "no drip item outside the group"
    return [item.name for item in top["drip"].menu.menu_items_for_request(request)]


def test_point_admin_has_one_drip_menu_whose_tool_items_follow_permissions(db):
    from django.contrib.auth.models import Group, Permission

    superuser = get_user_model().objects.create_superuser("boss", "boss@shop.test", "pw")
    assert _drip_menu(superuser) == ["drip_sequences", "drip_emails", "drip_sms_texts", "drip_layouts",
                                     "drip_date_rules", "drip-contacts", "drip_starters", "drip_simulate",
                                     "drip_report",
                                     "drip_failed_messages"]
    viewers = Group.objects.create(name="Report viewers")
    viewers.permissions.add(Permission.objects.get(codename="access_admin"),
                            Permission.objects.get(codename="view_sequence"))
    viewer = get_user_model().objects.create_user("viewer", "viewer@shop.test", "pw")
    viewer.groups.add(viewers)
    assert _drip_menu(viewer) == ["drip_sequences", "drip_report"]
