"""Public endpoints of drip_plugin; the host mounts them, e.g. at "drip/":

    path("drip/", include("drip_plugin.urls")),
"""
from django.urls import include, path

from .channels.registry import channels
from .health.metrics import metrics_view
from .public.urls import urlpatterns as public_urlpatterns

app_name = "drip_plugin"

urlpatterns: list = [
    *public_urlpatterns,
    path("metrics/", metrics_view, name="metrics"),
    # Each channel's provider callbacks (status, inbound messages), and web push's subscriptions.
    *(path(f"channels/{channel.name}/", include(channel.urls())) for channel in channels() if channel.urls()),
]
