from django.urls import path

from . import cart, tracking, views

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("c/<str:token>/", tracking.click_view, name="click"),
    path("o/<str:token>/", tracking.open_view, name="open"),
    path("s/<str:code>/", tracking.short_link_view, name="short_link"),
    path("cart/<str:token>/", cart.restore_cart_view, name="restore_cart"),
    path("view/<str:token>/", views.web_version_view, name="view"),
    path("test-link/", views.test_link_view, name="test_link"),
]
