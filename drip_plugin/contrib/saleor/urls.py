from django.urls import path

from . import views

app_name = "drip_saleor"

urlpatterns = [
    path("manifest/", views.manifest_view, name="manifest"),
    path("register/", views.register_view, name="register"),
    path("webhook/", views.webhook_view, name="webhook"),
]
