"""SMS, the second channel: Twilio through its official SDK (twilio.py),
consent with proof and STOP/HELP (consent.py), quiet hours and its own
frequency cap."""
from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ...conf import drip_settings
from ...links.routes import absolute
from ...models.contacts import SmsConsent
from ...models.sequences import StepKind
from ..base import Reach
from ..sending import Prepared, ProviderChannel
from . import twilio
from .render import render_sms
from .senders import sender_for

SMS = "sms"


class SmsChannel(ProviderChannel):
    name = SMS
    label = _("SMS")
    fallback_label = _("send the step's SMS instead")
    step_kind = StepKind.SMS
    content = ("step__sms",)

    def has_content(self, step) -> bool:
        return step.sms_id is not None

    def reach(self, contacts):
        return {contact.pk: _reach(contact) for contact in contacts}

    def quiet_hours(self):
        quiet = drip_settings.SMS_QUIET_HOURS
        return (dt.time.fromisoformat(quiet[0]), dt.time.fromisoformat(quiet[1])) if quiet else None

    def frequency_cap(self):
        cap = drip_settings.SMS_FREQUENCY_CAP
        return (int(cap["count"]), int(cap["days"])) if cap else None

    def refusal(self, message):
        contact = message.enrollment.contact
        if contact.sms_consent != SmsConsent.GRANTED or contact.phone != message.address:
            return "SMS consent withdrawn or phone number changed since the message was queued"
        return None

    def prepare(self, message):
        return Prepared(message=message, body=render_sms(message), subject=f"SMS · {message.sms_text().name}")

    def deliver(self, prepared):
        return twilio.send_sms(to=prepared.message.address, body=prepared.body,
                               sender=sender_for(prepared.message.address), status_callback=status_callback_url())

    def urls(self):
        from .urls import urlpatterns

        return urlpatterns


def status_callback_url() -> str:
    return absolute(reverse("drip_plugin:sms_status"))


def _reach(contact) -> Reach:
    if not contact.phone:
        return Reach(refusal="no phone number")
    if contact.sms_consent != SmsConsent.GRANTED:
        return Reach(refusal="no SMS consent")
    return Reach(address=contact.phone)
