"""SMS consent: explicit opt-in with its proof (source, time, the text
shown), optional double opt-in (the contact replies YES), and the replies
that withdraw it at once (STOP, UNSUBSCRIBE, ARRET, …). Every change is a
Consent row of channel "sms" (the evidence); Contact.sms_consent is where
the contact stands now, read by the channel when it sends."""
from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from ...conf import drip_settings
from ...models import Consent, Contact, Message, MessageEvent
from ...models.contacts import SmsConsent
from ...models.messages import MessageStatus
from . import twilio
from .senders import sender_for

logger = logging.getLogger("drip_plugin.sms")
SMS = "sms"


def grant_sms_consent(contact: Contact, *, source: str, text_shown: str, wording_version: str = "") -> str:
    """Record that `contact` agreed to marketing SMS at `source` ("checkout",
    "signup form"…) after reading `text_shown`; returns the contact's SMS
    consent now. With SMS_DOUBLE_OPT_IN the contact is sent
    SMS_CONFIRMATION_TEXT and is "pending" until they reply YES."""
    if not contact.phone:
        raise ValueError("SMS consent needs the contact's phone number (identify(phone=…))")
    if not text_shown.strip():
        raise ValueError("SMS consent needs the text the person was shown, as proof")
    state = SmsConsent.PENDING if drip_settings.SMS_DOUBLE_OPT_IN else SmsConsent.GRANTED
    with transaction.atomic():
        Consent.objects.create(contact=contact, channel=SMS, granted=state == SmsConsent.GRANTED, source=source,
                               wording_version=wording_version, text_shown=text_shown,
                               reason="waiting for the YES reply" if state == SmsConsent.PENDING else "")
        Contact.objects.filter(pk=contact.pk).update(sms_consent=state, updated_at=timezone.now())
    contact.sms_consent = state
    if state == SmsConsent.PENDING:
        # Not an outbox message: asked for by the person just now, and asking again is harmless.
        twilio.send_sms(to=contact.phone, body=drip_settings.SMS_CONFIRMATION_TEXT, sender=sender_for(contact.phone))
    return state


def _contacts_of(phone: str):
    return Contact.objects.filter(phone=phone)


def withdraw_by_reply(phone: str, reply: str) -> int:
    """A STOP-like reply from `phone`: every contact with that number is
    opted out of SMS at once; returns how many changed."""
    with transaction.atomic():
        contacts = list(_contacts_of(phone).select_for_update().exclude(sms_consent=SmsConsent.WITHDRAWN))
        Consent.objects.bulk_create(Consent(contact=contact, channel=SMS, granted=False, source="SMS reply",
                                            text_shown=reply) for contact in contacts)
        _contacts_of(phone).filter(pk__in=[c.pk for c in contacts]).update(
            sms_consent=SmsConsent.WITHDRAWN, updated_at=timezone.now())
        # The report counts the opt-out against the SMS it answered (the latest sent).
        answered = (Message.objects.filter(channel=SMS, status=MessageStatus.SENT, enrollment__contact__in=contacts)
                    .order_by("-sent_at").first())
        if answered is not None:
            MessageEvent.objects.create(message=answered, event_type="unsubscribed", occurred_at=timezone.now(),
                                        description=f"SMS reply {reply[:100]!r}")
    logger.info("SMS opt-out by reply from %s: %s contact(s)", phone, len(contacts))
    return len(contacts)


def confirm_by_reply(phone: str, reply: str) -> int:
    """A YES reply from `phone`: contacts waiting for it (double opt-in) are
    granted; returns how many."""
    with transaction.atomic():
        contacts = list(_contacts_of(phone).select_for_update().filter(sms_consent=SmsConsent.PENDING))
        Consent.objects.bulk_create(Consent(contact=contact, channel=SMS, granted=True, source="SMS reply",
                                            text_shown=reply, reason="double opt-in confirmed")
                                    for contact in contacts)
        _contacts_of(phone).filter(pk__in=[c.pk for c in contacts]).update(
            sms_consent=SmsConsent.GRANTED, updated_at=timezone.now())
    return len(contacts)
