from django.urls import include, path
from wagtail.admin import urls as wagtailadmin_urls

from shop import views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("drip/", include("drip_plugin.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the French/English switch
    path("saleor/", include("drip_plugin.contrib.saleor.urls")),
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("cart/", views.cart_view, name="cart"),
    path("cart/add/<str:sku>/", views.add_to_cart, name="add-to-cart"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<str:name>/", views.outbox_message, name="outbox-message"),
]
