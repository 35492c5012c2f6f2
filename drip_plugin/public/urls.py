from django.urls import path

from . import tracking, views

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("c/<str:token>/", tracking.click_view, name="click"),
    path("o/<str:token>/", tracking.open_view, name="open"),
]
