from django.urls import path

from . import views

urlpatterns = [
    path("push/subscribe/", views.subscribe_view, name="push_subscribe"),
    path("push/unsubscribe/", views.unsubscribe_view, name="push_unsubscribe"),
    path("push/service-worker.js", views.service_worker_view, name="push_service_worker"),
]
