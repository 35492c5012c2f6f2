from django.contrib import messages
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext_lazy as _, ngettext
from wagtail import hooks
from wagtail.snippets.action_menu import ActionMenuItem
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.models import register_snippet

from .admin_views.contact_import import ContactImportJobView, ContactImportView, contact_import_progress_view
from .admin_views.dashboard import DripDashboardPanel
from .admin_views.failed import FailedMessagesView, retry_view
from .admin_views.publish import PublishWithEmailsView
from .admin_views.report import ReportView, SequenceReportView, revert_decision_view
from .admin_views.segments import segment_count_view
from .admin_views.sequence_map import SequenceMapView
from .admin_views.simulate import SimulateView
from .admin_views.sms_test_send import SmsTestSendView
from .admin_views.starters import StartersView
from .admin_views.test_send import TestSendView
from .admin_views.viewsets import DripViewSetGroup
from .channels.push.admin import TestPushView, editor_subscribe_view
from .models import Email, PushNotification, Sequence, SmsText
from .rendering.checks import email_warnings

register_snippet(DripViewSetGroup)


@hooks.register("construct_homepage_panels")
def add_drip_dashboard_panel(request, panels):
    if ModelPermissionPolicy(Sequence).user_has_any_permission(request.user, ["view", "change"]):
        panels.append(DripDashboardPanel())


@hooks.register("register_admin_urls")
def drip_admin_urls():
    return [
        path("drip/emails/<int:pk>/test-send/", TestSendView.as_view(), name="drip_plugin_email_test_send"),
        path("drip/sms-texts/<int:pk>/test-send/", SmsTestSendView.as_view(), name="drip_plugin_sms_test_send"),
        path("drip/push-notifications/<int:pk>/test-push/", TestPushView.as_view(), name="drip_plugin_push_test"),
        path("drip/push/my-browser/", editor_subscribe_view, name="drip_plugin_push_my_browser"),
        path("drip/starters/", StartersView.as_view(), name="drip_plugin_starters"),
        path("drip/simulate/", SimulateView.as_view(), name="drip_plugin_simulate"),
        path("drip/report/", ReportView.as_view(), name="drip_plugin_report"),
        path("drip/sequences/<int:pk>/map/", SequenceMapView.as_view(), name="drip_plugin_sequence_map"),
        path("drip/failed/", FailedMessagesView.as_view(), name="drip_plugin_failed_messages"),
        path("drip/failed/results/", FailedMessagesView.as_view(results_only=True),
             name="drip_plugin_failed_messages_results"),
        path("drip/failed/retry/", retry_view, name="drip_plugin_failed_messages_retry"),
        path("drip/report/<int:pk>/", SequenceReportView.as_view(), name="drip_plugin_sequence_report"),
        path("drip/experiments/decisions/<int:pk>/revert/", revert_decision_view,
             name="drip_plugin_experiment_decision_revert"),
        path("drip/sequences/<int:pk>/publish-with-emails/", PublishWithEmailsView.as_view(),
             name="drip_plugin_sequence_publish_with_emails"),
        path("drip/segment-count/", segment_count_view, name="drip_plugin_segment_count"),
        path("drip/contacts/import/", ContactImportView.as_view(), name="drip_plugin_contact_import"),
        path("drip/contacts/import/<int:pk>/", ContactImportJobView.as_view(), name="drip_plugin_contact_import_job"),
        path("drip/contacts/import/<int:pk>/progress.json", contact_import_progress_view,
             name="drip_plugin_contact_import_json"),
    ]


TEST_SEND_URLS = {Email: "drip_plugin_email_test_send", SmsText: "drip_plugin_sms_test_send",
                  PushNotification: "drip_plugin_push_test"}


class TestSendMenuItem(ActionMenuItem):
    label = _("Send a test…")
    name = "drip-test-send"
    icon_name = "mail"

    def is_shown(self, context):
        return context.get("view") == "edit" and type(context.get("instance")) in TEST_SEND_URLS

    def get_url(self, context):
        instance = context["instance"]
        return reverse(TEST_SEND_URLS[type(instance)], args=[instance.pk])


@hooks.register("register_snippet_action_menu_item")
def register_test_send_menu_item(model):
    return TestSendMenuItem(order=90) if model in TEST_SEND_URLS else None


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def warn_about_saved_problems(request, instance):
    """A draft email or SMS text may be saved with problems, and a sequence
    may name an event the shop never sent: say so once it is saved, not silently. An
    email's checks (rendering/checks.py) are said too, saved or published:
    they never block. Escaped: the messages quote the editor's MJML, and
    Wagtail 7.0 shows message text as HTML."""
    if isinstance(instance, (Email, SmsText)) and (found := instance.content_problem_messages()):
        messages.warning(request, escape(ngettext(
            "Saved as a draft with a problem; it cannot be published until it is fixed: %(problems)s",
            "Saved as a draft with %(count)d problems; it cannot be published until they are fixed: %(problems)s",
            len(found)) % {"count": len(found), "problems": " — ".join(found)}))
    if isinstance(instance, Email) and (checks := email_warnings(instance)):
        messages.warning(request, escape(ngettext(
            "Email check (a warning: saving and publishing go on): %(warnings)s",
            "%(count)d email checks (warnings: saving and publishing go on): %(warnings)s",
            len(checks)) % {"count": len(checks), "warnings": " — ".join(map(str, checks))}))
    if isinstance(instance, Sequence):
        for note in instance.event_name_notes():
            messages.warning(request, escape(note))


@hooks.register("before_publish")
def confirm_publishing_draft_emails(request, instance):
    """The edit view saved the sequence as a draft; publishing waits for the
    editor to publish its draft emails too (or to cancel)."""
    if isinstance(instance, Sequence) and instance.draft_emails():
        return redirect("drip_plugin_sequence_publish_with_emails", pk=instance.pk)
    return None


@hooks.register("insert_global_admin_js")
def segment_count_js():
    # Does nothing outside a sequence's edit form (it looks for the filter fields).
    return format_html('<script src="{}" data-url="{}" data-unavailable="{}"></script>',
                       static("drip_plugin/segment_count.js"), reverse("drip_plugin_segment_count"),
                       _("The segment count is not available right now."))
