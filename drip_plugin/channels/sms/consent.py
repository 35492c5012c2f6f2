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
    pending = drip_settings.SMS_DOUBLE_OPT_IN
    state = SmsConsent.PENDING if pending else SmsConsent.GRANTED
    _record(Contact.objects.filter(pk=contact.pk), state, source=source, text_shown=text_shown,
            wording_version=wording_version, reason="waiting for the YES reply" if pending else "")
    contact.sms_consent = state
    if pending:
        # Not an outbox message: asked for by the person just now, and asking again is harmless.
        twilio.send_sms(to=contact.phone, body=drip_settings.SMS_CONFIRMATION_TEXT, sender=sender_for(contact.phone))
    return state


def withdraw_sms_consent(contact: Contact, *, source: str, wording_version: str = "", reason: str = "") -> str:
    """Record that `contact` withdrew SMS consent (at the shop: a form, the
    customer service); it holds at once, also for SMS already queued."""
    _record(Contact.objects.filter(pk=contact.pk), SmsConsent.WITHDRAWN, source=source,
            wording_version=wording_version, reason=reason)
    contact.sms_consent = SmsConsent.WITHDRAWN
    return contact.sms_consent


def _record(contacts, state: str, **proof) -> list[Contact]:
    """Move `contacts` not yet in `state` to it, each with its Consent row of
    `proof`; returns those moved."""
    with transaction.atomic():
        moving = list(contacts.select_for_update().exclude(sms_consent=state))
        Consent.objects.bulk_create(Consent(contact=contact, channel=SMS, granted=state == SmsConsent.GRANTED,
                                            **proof) for contact in moving)
        Contact.objects.filter(pk__in=[c.pk for c in moving]).update(sms_consent=state, updated_at=timezone.now())
    return moving


def withdraw_by_reply(phone: str, reply: str) -> int:
    """A STOP-like reply from `phone`: every contact with that number is
    opted out of SMS at once; returns how many changed."""
    with transaction.atomic():
        moved = _record(Contact.objects.filter(phone=phone), SmsConsent.WITHDRAWN, source="SMS reply",
                        text_shown=reply)
        # The report counts the opt-out against the SMS it answered (the latest sent).
        answered = (Message.objects.filter(channel=SMS, status=MessageStatus.SENT, enrollment__contact__in=moved)
                    .order_by("-sent_at").first())
        if answered is not None:
            MessageEvent.objects.create(message=answered, event_type="unsubscribed", occurred_at=timezone.now(),
                                        description=f"SMS reply {reply[:100]!r}")
    logger.info("SMS opt-out by reply from %s: %s contact(s)", phone, len(moved))
    return len(moved)


def confirm_by_reply(phone: str, reply: str) -> int:
    """A YES reply from `phone`: contacts waiting for it (double opt-in) are
    granted; returns how many."""
    waiting = Contact.objects.filter(phone=phone, sms_consent=SmsConsent.PENDING)
    return len(_record(waiting, SmsConsent.GRANTED, source="SMS reply", text_shown=reply,
                       reason="double opt-in confirmed"))
