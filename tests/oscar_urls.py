from django.apps import apps
from django.urls import include, path

from tests.urls import urlpatterns as drip_urlpatterns

urlpatterns = [*drip_urlpatterns, path("", include(apps.get_app_config("oscar").urls[0]))]
