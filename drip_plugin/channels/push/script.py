"""The <script> tag of drip-push.js, with the settings it needs on it."""
from __future__ import annotations

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

from ...conf import drip_settings


def push_script_tag(subscribe_url: str | None = None) -> str:
    """drip-push.js configured for this site; `subscribe_url` defaults to the
    shop's endpoint (the admin passes the editor's own)."""
    if not drip_settings.PUSH_ENABLED:
        return ""
    return format_html(
        '<script src="{}" data-public-key="{}" data-subscribe-url="{}" data-unsubscribe-url="{}" '
        'data-service-worker="{}" data-scope="{}"></script>',
        static("drip_plugin/push/drip-push.js"), drip_settings.PUSH_VAPID_PUBLIC_KEY or "",
        subscribe_url or reverse("drip_plugin:push_subscribe"), reverse("drip_plugin:push_unsubscribe"),
        reverse("drip_plugin:push_service_worker"), drip_settings.PUSH_SERVICE_WORKER_SCOPE)
