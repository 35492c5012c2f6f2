from django.urls import include, path
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("drip/", include("drip_plugin.urls")),
    path("saleor/", include("drip_plugin.contrib.saleor.urls")),
    path("anymail/", include("anymail.urls")),  # the ESPs' tracking webhooks
]
