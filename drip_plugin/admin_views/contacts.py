"""Contacts in the Wagtail admin, with the data-subject actions: export all
data as JSON, erase (keeping only the suppression hash). Subscription and
opt-out changes made in the form go through drip_plugin.consent."""
from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic import IndexView
from wagtail.admin.widgets import ListingButton

from ..consent.gdpr import JSON_ENCODER, erase_contact, export_contact
from ..consent.suppression import is_suppressed, resubscribe, set_opt_outs, unsubscribe
from ..models import Contact


def export_view(request, pk: int) -> HttpResponse:
    if not request.user.has_perm("drip_plugin.export_contact"):
        raise PermissionDenied
    contact = get_object_or_404(Contact, pk=pk)
    response = HttpResponse(json.dumps(export_contact(contact), cls=JSON_ENCODER, indent=2),
                            content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
    return response


def erase_view(request, pk: int):
    if not request.user.has_perm("drip_plugin.erase_contact"):
        raise PermissionDenied
    contact = get_object_or_404(Contact, pk=pk)
    if request.method == "POST":
        erase_contact(contact)
        messages.success(request, _("Contact erased. Their address stays suppressed, as a salted hash only."))
        return redirect("drip_contacts:index")
    return TemplateResponse(request, "drip_plugin/admin/erase_contact.html", {"contact": contact})


class ContactForm(WagtailAdminModelForm):
    """An editor's change of an existing contact's subscription is recorded
    as consent (or its withdrawal) with unsubscribe()/resubscribe(), and a
    change of opt-outs goes through set_opt_outs(), as everywhere else."""

    def clean_is_subscribed(self) -> bool:
        subscribed = self.cleaned_data["is_subscribed"]
        if subscribed and self.instance.pk and "is_subscribed" in self.changed_data and is_suppressed(
                self.instance.email):
            raise ValidationError(_("This address is suppressed (a bounce, a complaint or an erasure): "
                                    "it cannot be subscribed again."))
        return subscribed

    def _save_m2m(self):
        # The opt-outs are set below, through the consent functions.
        opt_outs = self.cleaned_data.pop("opted_out_of", None)
        super()._save_m2m()
        if "opted_out_of" in self.changed_data:
            set_opt_outs(self.instance, opt_outs, self._source())

    def _source(self) -> str:
        return f"admin ({self.for_user.get_username()})" if self.for_user else "admin"

    def save(self, commit=True):
        changed = commit and self.instance.pk is not None and "is_subscribed" in self.changed_data
        subscribed = self.cleaned_data.get("is_subscribed")
        with transaction.atomic():
            if changed:
                self.instance.is_subscribed = not subscribed  # the consent function below changes it
            contact = super().save(commit)
            if changed:
                (resubscribe if subscribed else unsubscribe)(contact, self._source())
        return contact


class ContactIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        user = self.request.user
        if user.has_perm("drip_plugin.export_contact"):
            buttons.append(ListingButton(_("Export data (JSON)"), url=reverse("drip_contacts:export", args=[instance.pk]),
                                         icon_name="download", priority=40))
        if user.has_perm("drip_plugin.erase_contact"):
            buttons.append(ListingButton(_("Erase (GDPR)…"), url=reverse("drip_contacts:erase", args=[instance.pk]),
                                         icon_name="bin", priority=50))
        return buttons
