"""Push notifications in the Wagtail admin: the snippet, its preview, and a
test push to the editor's own browser (subscribed on that page)."""
from __future__ import annotations

import logging

import requests
from django.contrib import messages
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail.admin.ui.tables import LiveStatusTagColumn, UpdatedAtColumn
from wagtail.snippets.views.snippets import SnippetViewSet

from ...admin_views.pages import SnippetDraftPage
from ...rendering import TemplateProblem
from ...rendering.preview import sample_merge_context
from .content import PushPayload, render_payload
from .models import PushNotification, PushSubscription
from .script import push_script_tag
from .sender import PushServiceRefused, SubscriptionGone, push_to_each
from .views import store_subscription

logger = logging.getLogger("drip_plugin.admin")


class PushNotificationViewSet(SnippetViewSet):
    model = PushNotification
    icon = "comment"
    menu_label = _("Drip push notifications")
    menu_name = "drip_push_notifications"
    list_display = ["name", "title", LiveStatusTagColumn(label=_("Status")), UpdatedAtColumn(label=_("Updated"))]
    list_filter = ["live"]
    search_fields = ["name", "title", "body"]


def render_test(notification: PushNotification) -> PushPayload:
    """The notification for the sample contact and cart, marked as a test."""
    payload = render_payload(notification, sample_merge_context())
    return PushPayload(title=f"[TEST] {payload.title}", body=payload.body, url=payload.url, icon=payload.icon)


@require_POST
def editor_subscribe_view(request: HttpRequest) -> JsonResponse:
    """The editor's own browser, for test pushes (no contact, no campaign)."""
    return store_subscription(request, user=request.user)


class TestPushView(SnippetDraftPage):
    template_name = "drip_plugin/admin/test_push.html"
    page_title = _("Test push")
    header_icon = "comment"
    model = PushNotification
    list_label = _("Push notifications")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            context["preview"] = render_test(self.draft)
        except TemplateProblem as exc:
            context["problem"] = str(exc)
        context["browsers"] = PushSubscription.objects.filter(user=self.request.user).count()
        context["push_script"] = push_script_tag(reverse("drip_plugin_push_my_browser"))
        return context

    def post(self, request, *args, **kwargs):
        browsers = list(PushSubscription.objects.filter(user=request.user))
        if not browsers:
            messages.error(request, _("Not sent: turn notifications on in this browser first."))
            return redirect(request.path)
        try:
            sent = push_to_each(browsers, render_test(self.draft).encoded())
        except (TemplateProblem, SubscriptionGone, PushServiceRefused, requests.RequestException) as exc:
            logger.warning("test push of notification %s failed: %s", self.snippet.pk, exc)
            messages.error(request, _("Not sent: %(problem)s") % {"problem": exc})
            return redirect(request.path)
        messages.success(request, _("Test push sent to %(count)d of your browsers.") % {"count": len(sent)})
        return redirect(request.path)
