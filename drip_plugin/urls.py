"""Public endpoints of drip_plugin; the host mounts them, e.g. at "drip/":

    path("drip/", include("drip_plugin.urls")),
"""
from django.urls import path

from .channels.push.urls import urlpatterns as push_urlpatterns
from .health.metrics import metrics_view
from .public.urls import urlpatterns as public_urlpatterns

app_name = "drip_plugin"

urlpatterns: list = [*public_urlpatterns, *push_urlpatterns, path("metrics/", metrics_view, name="metrics")]
