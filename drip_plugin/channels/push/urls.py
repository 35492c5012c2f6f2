from django.urls import path

from . import views

urlpatterns = [
    path("subscribe/", views.subscribe_view, name="push_subscribe"),
    path("unsubscribe/", views.unsubscribe_view, name="push_unsubscribe"),
    path("service-worker.js", views.service_worker_view, name="push_service_worker"),
]
