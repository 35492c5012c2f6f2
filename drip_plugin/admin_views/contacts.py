"""Contacts in the Wagtail admin, with the data-subject actions: export all
data as JSON, erase (keeping only the suppression hash). Subscription and
opt-out changes made in the form go through drip_plugin.consent."""
from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.widgets import HeaderButton, ListingButton

from ..analytics.timeline import KINDS, contact_timeline
from ..consent.gdpr import JSON_ENCODER, erase_contact, export_contact
from ..consent.suppression import is_suppressed, resubscribe, set_opt_outs, unsubscribe
from ..exceptions import InvalidEvent
from ..ingest.identify import clean_phone
from ..models import Contact
from .attributes import AttributesField
from .pages import DripPage


def export_view(request, pk: int) -> HttpResponse:
    if not request.user.has_perm("drip_plugin.export_contact"):
        raise PermissionDenied
    contact = get_object_or_404(Contact, pk=pk)
    response = HttpResponse(json.dumps(export_contact(contact), cls=JSON_ENCODER, indent=2),
                            content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
    return response


class EraseContactView(DripPage, TemplateView):
    template_name = "drip_plugin/admin/erase_contact.html"
    page_title = _("Erase contact")
    header_icon = "bin"

    def dispatch(self, request, *args, pk: int, **kwargs):
        if not request.user.has_perm("drip_plugin.erase_contact"):
            raise PermissionDenied
        self.contact = get_object_or_404(Contact, pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.contact.email

    def get_parent_crumbs(self):
        return [{"url": reverse("drip_contacts:index"), "label": _("Contacts")},
                {"url": reverse("drip_contacts:edit", args=[self.contact.pk]), "label": self.contact.email}]

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, contact=self.contact)

    def post(self, request, *args, **kwargs):
        erase_contact(self.contact)
        messages.success(request, _("Contact erased. Their address stays suppressed, as a salted hash only."))
        return redirect("drip_contacts:index")


class ContactForm(WagtailAdminModelForm):
    """An editor's change of an existing contact's subscription is recorded
    as consent (or its withdrawal) with unsubscribe()/resubscribe(), and a
    change of opt-outs goes through set_opt_outs(), as everywhere else;
    the editor may say why (kept in the consent record's source)."""

    attributes = AttributesField(required=False, label=_("Attributes"),
                                 help_text=_("What segment filters read as contact.<name>."))
    reason = forms.CharField(required=False, max_length=200, label=_("Reason for a subscription change"),
                             help_text=_("Kept with the consent record, e.g. 'asked by phone'."))

    def clean_phone(self) -> str:
        try:
            return clean_phone(self.cleaned_data["phone"]) or ""
        except InvalidEvent as exc:
            raise ValidationError(str(exc)) from None

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
                (resubscribe if subscribed else unsubscribe)(contact, self._source(),
                                                             reason=self.cleaned_data.get("reason", ""))
        return contact


class ContactIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        if not self.add_url:  # the user may not add contacts
            return super().header_buttons
        return [*super().header_buttons,
                HeaderButton(_("Import"), url=reverse("drip_plugin_contact_import"), icon_name="upload")]

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


# The timeline's kinds as the admin shows them (filter boxes, Kind column).
KIND_LABELS = {"event": _("event"), "journey": _("journey"), "message": _("message"), "consent": _("consent"),
               "suppression": _("suppression")}


class ContactInspectView(InspectView):
    """The contact's fields, then their timeline: newest first, filtered by
    kind (?kind=message&kind=journey), paginated (?page=2)."""

    template_name = "drip_plugin/admin/contact_inspect.html"
    fields = ["email", "first_name", "last_name", "locale", "time_zone", "phone", "birthday", "attributes",
              "last_order_at", "is_subscribed"]

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if value is None or value == "":
            return "–"
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return value

    def get_context_data(self, **kwargs):
        chosen = tuple(kind for kind in self.request.GET.getlist("kind") if kind in KINDS) or KINDS
        try:
            page = int(self.request.GET.get("page", 1))
        except ValueError:
            page = 1
        timeline = contact_timeline(self.object, kinds=chosen, page=page)
        return {**super().get_context_data(**kwargs), "timeline": timeline, "all_kinds": KIND_LABELS.items(),
                "chosen_kinds": chosen,
                "entries": [(entry, KIND_LABELS.get(entry.kind, entry.kind)) for entry in timeline.entries]}
