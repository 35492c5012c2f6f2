from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _, ngettext
from wagtail import hooks
from wagtail.admin.ui.tables import UpdatedAtColumn
from wagtail.admin.widgets import HeaderButton
from wagtail.snippets.action_menu import ActionMenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet

from .admin_views.contacts import ContactViewSet
from .admin_views.publish import PublishWithEmailsView
from .admin_views.report import report_view
from .admin_views.simulate import simulate_view
from .admin_views.starters import starters_view
from .admin_views.test_send import test_send_view
from .models import DateRule, Email, Layout, Sequence


class SequenceIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        if not self.add_url:  # the user may not add sequences
            return super().header_buttons
        return [*super().header_buttons,
                HeaderButton(_("From a starter"), url=reverse("drip_plugin_starters"), icon_name="plus"),
                HeaderButton(_("Simulate"), url=reverse("drip_plugin_simulate"), icon_name="time"),
                HeaderButton(_("Report"), url=reverse("drip_plugin_report"), icon_name="table")]


class SequenceViewSet(SnippetViewSet):
    model = Sequence
    index_view_class = SequenceIndexView
    icon = "mail"
    menu_label = _("Drip sequences")
    menu_name = "drip_sequences"
    add_to_admin_menu = True
    list_display = ["name", "trigger_event", "live", UpdatedAtColumn()]
    list_filter = ["live"]
    search_fields = ["name", "trigger_event"]


class EmailViewSet(SnippetViewSet):
    model = Email
    icon = "doc-full"
    menu_label = _("Drip emails")
    menu_name = "drip_emails"
    add_to_admin_menu = True
    list_display = ["name", "subject", "live", UpdatedAtColumn()]
    list_filter = ["live"]
    search_fields = ["name", "subject"]


class DateRuleViewSet(SnippetViewSet):
    model = DateRule
    icon = "date"
    menu_label = _("Drip date rules")
    menu_name = "drip_date_rules"
    add_to_admin_menu = True
    list_display = ["name", "event_name", "source", "days", "direction", "yearly", "active"]
    list_filter = ["active", "yearly"]
    search_fields = ["name", "event_name", "source"]


class LayoutViewSet(SnippetViewSet):
    model = Layout
    icon = "image"
    menu_label = _("Drip email layouts")
    menu_name = "drip_layouts"
    add_to_admin_menu = True
    list_display = ["name", "shop_name", "brand_colour"]


register_snippet(SequenceViewSet)
register_snippet(LayoutViewSet)
register_snippet(EmailViewSet)
register_snippet(DateRuleViewSet)


@hooks.register("register_admin_viewset")
def register_contact_viewset():
    return ContactViewSet()


@hooks.register("register_admin_urls")
def drip_admin_urls():
    return [
        path("drip/emails/<int:pk>/test-send/", test_send_view, name="drip_plugin_email_test_send"),
        path("drip/starters/", starters_view, name="drip_plugin_starters"),
        path("drip/simulate/", simulate_view, name="drip_plugin_simulate"),
        path("drip/report/", report_view, name="drip_plugin_report"),
        path("drip/sequences/<int:pk>/publish-with-emails/", PublishWithEmailsView.as_view(),
             name="drip_plugin_sequence_publish_with_emails"),
    ]


class TestSendMenuItem(ActionMenuItem):
    label = _("Send a test…")
    name = "drip-test-send"
    icon_name = "mail"

    def is_shown(self, context):
        return context.get("view") == "edit" and isinstance(context.get("instance"), Email)

    def get_url(self, context):
        return reverse("drip_plugin_email_test_send", args=[context["instance"].pk])


@hooks.register("register_snippet_action_menu_item")
def register_test_send_menu_item(model):
    return TestSendMenuItem(order=90) if model is Email else None


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def warn_about_saved_problems(request, instance):
    """A draft email may be saved with problems, and a sequence may name an
    event the shop never sent: say so once it is saved, not silently."""
    if isinstance(instance, Email) and (found := instance.content_problem_messages()):
        messages.warning(request, ngettext(
            "Saved as a draft with a problem; it cannot be published until it is fixed: %(problems)s",
            "Saved as a draft with %(count)d problems; it cannot be published until they are fixed: %(problems)s",
            len(found)) % {"count": len(found), "problems": " — ".join(found)})
    if isinstance(instance, Sequence):
        for note in instance.event_name_notes():
            messages.warning(request, note)


@hooks.register("before_publish")
def confirm_publishing_draft_emails(request, instance):
    """The edit view saved the sequence as a draft; publishing waits for the
    editor to publish its draft emails too (or to cancel)."""
    if isinstance(instance, Sequence) and instance.draft_emails():
        return redirect("drip_plugin_sequence_publish_with_emails", pk=instance.pk)
    return None
