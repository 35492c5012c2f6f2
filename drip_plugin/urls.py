"""Public endpoints of drip_plugin; the host mounts them, e.g. at "drip/":

    path("drip/", include("drip_plugin.urls")),
"""
from .public.urls import urlpatterns as public_urlpatterns

app_name = "drip_plugin"

urlpatterns: list = [*public_urlpatterns]
