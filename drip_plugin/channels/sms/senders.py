"""Which sender an SMS goes from: per destination country where configured
(SMS_SENDERS), e.g. a local number in the US, an alphanumeric ID in France."""
from __future__ import annotations

import phonenumbers
from django.core.exceptions import ImproperlyConfigured

from ...conf import drip_settings


def sender_for(phone: str) -> str:
    """The sender for an E.164 `phone`: its country's, else the default ("")."""
    senders = drip_settings.SMS_SENDERS
    try:
        country = phonenumbers.region_code_for_number(phonenumbers.parse(phone)) or ""
    except phonenumbers.NumberParseException:
        country = ""
    sender = senders.get(country) or senders.get("")
    if not sender:
        raise ImproperlyConfigured(f"no SMS sender for {country or 'this number'}: set SMS_SENDERS[''] "
                                   "(a Twilio number, an alphanumeric ID or a Messaging Service SID)")
    return sender
