"""Consent evidence and data-subject requests: record consent, export
everything about a contact, erase it."""
from __future__ import annotations

import logging
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q

from ..extensions import erasers
from ..ingest.contacts import resolve_contact
from ..models import Consent, Contact, Message, MessageEvent

from .suppression import ERASED, resubscribe, suppress, unsubscribe

logger = logging.getLogger("drip_plugin.gdpr")


def record_consent(*, email: str | None = None, user=None, source: str, wording_version: str = "",
                   granted: bool = True, channel: str = "email", text_shown: str = "") -> Consent:
    """Record that a person gave (or withdrew) consent to marketing email,
    where and under which wording; subscribes or unsubscribes them to match.
    `channel="sms"`: consent to marketing SMS instead, with the `text_shown`
    as proof (drip_plugin.channels.sms.consent; docs/sms.md).

    Raises InvalidEvent when `email`/`user` identify no one.
    """
    if channel == "sms":
        from ..channels.sms.consent import grant_sms_consent, withdraw_sms_consent

        contact = resolve_contact(email=email, user=user)
        if granted:
            grant_sms_consent(contact, source=source, text_shown=text_shown, wording_version=wording_version)
        else:
            withdraw_sms_consent(contact, source=source, wording_version=wording_version)
        return contact.consents.filter(channel="sms").latest("recorded_at", "pk")
    with transaction.atomic():
        contact = resolve_contact(email=email, user=user)
        if granted:
            resubscribe(contact, source, wording_version)
        else:
            unsubscribe(contact, source, wording_version)
    return contact.consents.latest("recorded_at", "pk")


def export_contact(contact: Contact) -> dict[str, Any]:
    """All personal data drip_plugin holds about `contact`, as plain JSON-able data."""
    fields = ["email", "first_name", "last_name", "locale", "time_zone", "phone", "sms_consent", "attributes",
              "birthday", "last_order_at", "is_subscribed", "unsubscribed_at", "created_at", "user_id"]
    return {
        "contact": {name: getattr(contact, name) for name in fields},
        "opted_out_of": list(contact.opted_out_of.order_by("name").values_list("name", flat=True)),
        "consents": list(contact.consents.order_by("recorded_at", "pk").values(
            "channel", "granted", "source", "wording_version", "text_shown", "reason", "recorded_at")),
        "events": list(contact.events.order_by("occurred_at").values("name", "occurred_at", "properties")),
        "enrollments": list(contact.enrollments.order_by("enrolled_at").values(
            "sequence__name", "object_key", "state", "enrolled_at", "ended_at", "exit_reason")),
        "messages": list(Message.objects.filter(enrollment__contact=contact).order_by("created_at").values(
            "channel", "subject", "to_email", "address", "status", "created_at", "sent_at")),
        # Also the ESP's events about the address that match no message (e.g. a bounce of a test send).
        "message_events": list(MessageEvent.objects.filter(
            Q(message__enrollment__contact=contact) | Q(recipient=contact.email)
        ).order_by("occurred_at", "pk").values("event_type", "occurred_at", "recipient", "description", "url")),
    }


def erase_contact(contact: Contact) -> None:
    """Delete the contact and everything about it, keeping only a salted hash
    of the address in the suppression list (so it is never mailed again).
    Installed contrib apps erase what they hold through their registered erasers."""
    with transaction.atomic():
        suppress(contact.email, ERASED)
        MessageEvent.objects.filter(recipient=contact.email).delete()
        for erase in erasers():
            erase(contact)
        contact.delete()  # cascades to events, enrollments, messages
    logger.info("erased a contact on request")


JSON_ENCODER = DjangoJSONEncoder
