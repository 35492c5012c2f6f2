"""anymail's `tracking` signal → MessageEvent, suppression, engagement."""
from __future__ import annotations

import logging

from django.db.models import F
from django.utils import timezone

from ..conf import drip_settings
from ..consent.suppression import is_erased, suppress, unsubscribe
from ..models import Contact, Message, MessageEvent

logger = logging.getLogger("drip_plugin.delivery")

HARD = {"bounced": "hard bounce", "complained": "complaint"}
ENGAGED = {"delivered", "opened", "clicked"}


def find_message(event) -> Message | None:
    metadata = getattr(event, "metadata", None) or {}
    pk = str(metadata.get("drip_message", ""))
    if pk.isdigit():
        return Message.objects.filter(pk=int(pk)).first()
    if event.message_id:
        return Message.objects.filter(esp_message_id=event.message_id).first()
    return None


def record_tracking_event(event, esp_name: str = "") -> MessageEvent | None:
    """Store one normalised anymail event and apply its consequences."""
    message = find_message(event)
    recipient = (event.recipient or (message.to_email if message else "")).strip().lower()
    if message is None and not recipient:
        logger.info("%s %s event matches no drip message; ignored", esp_name, event.event_type)
        return None
    event_id = (event.event_id or "")[:255]
    # Per recipient: Amazon SES gives the events of all recipients of one notification one id.
    if event_id and MessageEvent.objects.filter(esp_event_id=event_id, recipient=recipient).exists():
        # ESPs resend a webhook they think failed: counted once (soft bounces!).
        logger.info("%s event %s was recorded before; ignored", esp_name, event_id)
        return None
    if message is None and is_erased(recipient):
        logger.info("%s %s event for an erased address; not stored", esp_name, event.event_type)
        return None
    return record_message_event(
        message, event.event_type, recipient, occurred_at=event.timestamp, esp_event_id=event_id,
        description=event.description or event.reject_reason or "", url=event.click_url or "", source=esp_name,
    )


def record_message_event(message: Message | None, event_type: str, recipient: str, *,
                         occurred_at=None, esp_event_id: str = "", description: str = "", url: str = "",
                         source: str = "") -> MessageEvent:
    """Store what happened to a message (from the ESP or our own pixel and
    links) and act on it: suppress, unsubscribe, count or reset soft bounces."""
    stored = MessageEvent.objects.create(
        message=message, event_type=event_type, recipient=recipient, occurred_at=occurred_at or timezone.now(),
        esp_event_id=esp_event_id, description=description[:2000], url=url[:2000],
    )
    contacts = Contact.objects.with_address(recipient)
    if event_type in HARD:
        suppress(recipient, HARD[event_type])
    elif event_type == "unsubscribed":
        for contact in contacts:
            unsubscribe(contact, f"unsubscribe reported by the ESP {source}".strip())
    elif event_type == "deferred":
        contacts.update(consecutive_soft_bounces=F("consecutive_soft_bounces") + 1)
        if contacts.filter(consecutive_soft_bounces__gt=drip_settings.SOFT_BOUNCE_LIMIT).exists():
            suppress(recipient, "repeated soft bounces")
    elif event_type in ENGAGED:
        contacts.filter(consecutive_soft_bounces__gt=0).update(consecutive_soft_bounces=0)
    return stored


def on_anymail_tracking(sender, event, esp_name, **kwargs) -> None:
    record_tracking_event(event, esp_name)
