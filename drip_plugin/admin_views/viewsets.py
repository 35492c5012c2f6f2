"""Every Wagtail viewset of drip, under one "Drip" menu, with the report,
the simulator and the starters as menu items of their own."""
from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.forms import modelform_factory
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, LiveStatusTagColumn, LocaleColumn, StatusFlagColumn, UpdatedAtColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy
try:
    from wagtail.admin.ui.menus import MenuItem as ListingMenuItem
except ImportError:  # Wagtail 7.0: the listing's "More" dropdown holds buttons
    from wagtail.admin.widgets import ListingButton as ListingMenuItem
from wagtail.snippets.views.snippets import (EditView, IndexView, SnippetViewSet, SnippetViewSetGroup,
                                             WorkflowActionView)

from ..channels.push.admin import PushNotificationViewSet
from ..models import Contact, DateRule, Email, Layout, Sequence, SmsText
from ..moderation import ApprovalRefused
from .contacts import ContactForm, ContactIndexView, ContactInspectView, EraseContactView, export_view


class SequenceIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        if not self.add_url:  # the user may not add sequences
            return super().header_buttons
        return [*super().header_buttons,
                HeaderButton(_("From a starter"), url=reverse("drip_plugin_starters"), icon_name="plus"),
                HeaderButton(_("Simulate"), url=reverse("drip_plugin_simulate"), icon_name="time"),
                HeaderButton(_("Report"), url=reverse("drip_plugin_report"), icon_name="table")]

    def get_list_more_buttons(self, instance):
        return [*super().get_list_more_buttons(instance),
                ListingMenuItem(_("Map"), url=reverse("drip_plugin_sequence_map", args=[instance.pk]),
                                icon_name="site", priority=15)]


class RefusedApprovalWorkflowActionView(WorkflowActionView):
    """A workflow action from the dashboard or the listing (a modal or a plain
    post): a refused approval (moderation.ApprovalRefused) is said to the
    moderator, and nothing was approved."""

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ApprovalRefused as refused:
            messages.error(request, str(refused))
            if request.headers.get("x-requested-with") == "XMLHttpRequest":
                return self.render_modal_json(request, {"step": "success", "redirect": self.redirect_url})
            return redirect(self.redirect_url)


class SequenceEditView(EditView):
    def workflow_action_action(self):
        """Approving in the editor: the edits are saved; a refused approval is said."""
        try:
            return super().workflow_action_action()
        except ApprovalRefused as refused:
            messages.error(self.request, str(refused))
            return redirect(self.get_edit_url())

    @cached_property
    def header_buttons(self):
        return [*super().header_buttons,
                HeaderButton(_("Map"), url=reverse("drip_plugin_sequence_map", args=[self.object.pk]),
                             icon_name="site")]


class SequenceViewSet(SnippetViewSet):
    model = Sequence
    index_view_class = SequenceIndexView
    edit_view_class = SequenceEditView
    workflow_action_view_class = RefusedApprovalWorkflowActionView
    icon = "mail"
    menu_label = _("Drip sequences")
    menu_name = "drip_sequences"
    # Labels given here: Wagtail's own defaults are translated once, at import.
    list_display = ["name", "trigger_event", LiveStatusTagColumn(label=_("Status")),
                    UpdatedAtColumn(label=_("Updated"))]
    list_filter = ["live"]
    search_fields = ["name", "trigger_event"]


class EmailEditView(EditView):
    def get_error_message(self):
        if self.action == "workflow-action":
            # The form refuses content problems: an approval would publish them.
            return _("The email was not approved: it has problems that block publishing (below). "
                     "Fix them, or request changes.")
        return super().get_error_message()


class EmailViewSet(SnippetViewSet):
    model = Email
    edit_view_class = EmailEditView
    workflow_action_view_class = RefusedApprovalWorkflowActionView
    icon = "doc-full"
    menu_label = _("Drip emails")
    menu_name = "drip_emails"
    list_display = ["name", "subject", LocaleColumn(label=_("Language")), LiveStatusTagColumn(label=_("Status")),
                    UpdatedAtColumn(label=_("Updated"))]
    list_filter = ["live"]
    search_fields = ["name", "subject"]


class SmsTextViewSet(SnippetViewSet):
    model = SmsText
    icon = "mobile-alt"
    menu_label = _("Drip SMS texts")
    menu_name = "drip_sms_texts"
    list_display = ["name", LiveStatusTagColumn(label=_("Status")), UpdatedAtColumn(label=_("Updated"))]
    list_filter = ["live"]
    search_fields = ["name", "body"]


class DateRuleViewSet(SnippetViewSet):
    model = DateRule
    icon = "date"
    menu_label = _("Drip date rules")
    menu_name = "drip_date_rules"
    list_display = ["name", "event_name", "source", "days", "direction",
                    StatusFlagColumn("yearly", label=_("Yearly"), true_label=_("yearly")),
                    StatusFlagColumn("active", label=_("Status"), true_label=_("active"), false_label=_("inactive"))]
    list_filter = ["active", "yearly"]
    search_fields = ["name", "event_name", "source"]


class LayoutViewSet(SnippetViewSet):
    model = Layout
    icon = "image"
    menu_label = _("Drip email layouts")
    menu_name = "drip_layouts"
    list_display = ["name", "shop_name", "brand_colour"]


class ContactViewSet(ModelViewSet):
    model = Contact
    name = "drip_contacts"
    icon = "user"
    menu_label = _("Drip contacts")
    index_view_class = ContactIndexView
    inspect_view_class = ContactInspectView
    list_display = ["email", "full_name",
                    StatusFlagColumn("is_subscribed", label=_("Marketing email"), true_label=_("subscribed"),
                                     false_label=_("unsubscribed")),
                    Column("created_at", label=_("Created"))]
    list_filter = ["is_subscribed"]
    search_fields = ["email", "first_name", "last_name"]
    inspect_view_enabled = True
    form_fields = ["email", "first_name", "last_name", "locale", "time_zone", "phone", "birthday", "attributes",
                   "is_subscribed", "opted_out_of"]

    def get_form_class(self, for_update=False):
        return modelform_factory(self.model, form=ContactForm, formfield_callback=self.formfield_for_dbfield,
                                 fields=self.form_fields)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/export/", export_view, name="export"),
            path("<int:pk>/erase/", EraseContactView.as_view(), name="erase"),
        ]


class PermittedMenuItem(MenuItem):
    """A menu item shown only to the users its view lets in."""

    def __init__(self, label, url, *, shown_to: Callable, **kwargs):
        super().__init__(label, url, **kwargs)
        self.shown_to = shown_to

    def is_shown(self, request):
        return self.shown_to(request.user)


class DripViewSetGroup(SnippetViewSetGroup):
    menu_label = _("Drip")
    menu_icon = "mail"
    menu_name = "drip"
    items = (SequenceViewSet, EmailViewSet, SmsTextViewSet, PushNotificationViewSet, LayoutViewSet, DateRuleViewSet,
             ContactViewSet)

    def get_submenu_items(self):
        sequences, emails = ModelPermissionPolicy(Sequence), ModelPermissionPolicy(Email)
        after = (len(self.items) + 1) * 100
        return [
            *super().get_submenu_items(),
            PermittedMenuItem(_("Start from a starter"), reverse("drip_plugin_starters"), name="drip_starters",
                              icon_name="plus", order=after,
                              shown_to=lambda user: sequences.user_has_permission(user, "add")
                              and emails.user_has_permission(user, "add")),
            PermittedMenuItem(_("Simulate"), reverse("drip_plugin_simulate"), name="drip_simulate",
                              icon_name="time", order=after + 100,
                              shown_to=lambda user: sequences.user_has_permission(user, "change")),
            PermittedMenuItem(_("Report"), reverse("drip_plugin_report"), name="drip_report",
                              icon_name="table", order=after + 200,
                              shown_to=lambda user: sequences.user_has_any_permission(user, ["view", "change"])),
            PermittedMenuItem(_("Failed messages"), reverse("drip_plugin_failed_messages"),
                              name="drip_failed_messages", icon_name="warning", order=after + 300,
                              shown_to=lambda user: sequences.user_has_permission(user, "change")),
        ]
