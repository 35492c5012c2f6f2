"""Contacts in the Wagtail admin, with the data-subject actions: export all
data as JSON, erase (keeping only the suppression hash)."""
from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.views.generic import IndexView
from wagtail.admin.widgets import ListingButton

from ..gdpr import JSON_ENCODER, erase_contact, export_contact
from ..models import Contact


def export_view(request, pk: int) -> HttpResponse:
    if not request.user.has_perm("drip_plugin.view_contact"):
        raise PermissionDenied
    contact = get_object_or_404(Contact, pk=pk)
    response = HttpResponse(json.dumps(export_contact(contact), cls=JSON_ENCODER, indent=2),
                            content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
    return response


def erase_view(request, pk: int):
    if not request.user.has_perm("drip_plugin.delete_contact"):
        raise PermissionDenied
    contact = get_object_or_404(Contact, pk=pk)
    if request.method == "POST":
        erase_contact(contact)
        messages.success(request, _("Contact erased. Their address stays suppressed, as a salted hash only."))
        return redirect("drip_contacts:index")
    return TemplateResponse(request, "drip_plugin/admin/erase_contact.html", {"contact": contact})


class ContactIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        user = self.request.user
        if user.has_perm("drip_plugin.view_contact"):
            buttons.append(ListingButton(_("Export data (JSON)"), url=reverse("drip_contacts:export", args=[instance.pk]),
                                         icon_name="download", priority=40))
        if user.has_perm("drip_plugin.delete_contact"):
            buttons.append(ListingButton(_("Erase (GDPR)…"), url=reverse("drip_contacts:erase", args=[instance.pk]),
                                         icon_name="bin", priority=50))
        return buttons


class ContactViewSet(ModelViewSet):
    model = Contact
    name = "drip_contacts"
    icon = "user"
    menu_label = _("Drip contacts")
    add_to_admin_menu = True
    index_view_class = ContactIndexView
    list_display = ["email", "full_name", "is_subscribed", "created_at"]
    list_filter = ["is_subscribed"]
    search_fields = ["email", "first_name", "last_name"]
    inspect_view_enabled = True
    form_fields = ["email", "first_name", "last_name", "locale", "time_zone", "birthday", "is_subscribed",
                   "opted_out_of"]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/export/", export_view, name="export"),
            path("<int:pk>/erase/", erase_view, name="erase"),
        ]
