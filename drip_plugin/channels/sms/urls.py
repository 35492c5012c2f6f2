"""Mounted at <drip urls>/channels/sms/ (drip_plugin/urls.py); give Twilio
these as the status callback (drip asks for it on every SMS) and as the
number's "A message comes in" webhook."""
from django.urls import path

from .views import inbound_view, status_view

urlpatterns = [
    path("status/", status_view, name="sms_status"),
    path("inbound/", inbound_view, name="sms_inbound"),
]
