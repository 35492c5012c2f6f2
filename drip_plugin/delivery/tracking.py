"""anymail's `tracking` signal → MessageEvent, suppression, engagement.

A webhook body is whatever the ESP (or anyone with the webhook secret) posted,
and anymail passes its fields on as they came: an object where a URL belongs,
a number as recipient. Each field is checked here before it is stored or acted
on, and the same ESP event — resent, also several times at once — is stored
once; only the copy actually stored acts.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from ..conf import drip_settings
from ..consent.suppression import is_erased, suppress, unsubscribe
from ..analytics.aggregates import count_event
from ..analytics.honesty import scanner_flag
from ..models import Contact, Message, MessageEvent

logger = logging.getLogger("drip_plugin.delivery")

ENGAGED = {"delivered", "opened", "clicked"}
# anymail's reject reasons that say the address itself is bad (not the
# message, not the ESP's policy): the rejection suppresses it like a hard bounce.
ADDRESS_REJECTED = {"invalid", "bounced"}
# Column sizes of MessageEvent.
EVENT_TYPE_LENGTH, EVENT_ID_LENGTH, TEXT_LENGTH, ADDRESS_LENGTH = 32, 255, 2000, 254
# A primary key as metadata carries it ("42"), short enough for a bigint.
MESSAGE_PK = re.compile(r"[0-9]{1,18}")


def _mapping_get(data, *path):
    """data[path[0]][path[1]]…, or None where a level is not a mapping or lacks the key."""
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _is_soft_postmark(esp_event) -> bool:
    # anymail reports Postmark's SoftBounce (TypeCode 4096) as "bounced", like HardBounce.
    return _mapping_get(esp_event, "Type") == "SoftBounce" or _mapping_get(esp_event, "TypeCode") == 4096


def _is_soft_sendgrid(esp_event) -> bool:
    return _mapping_get(esp_event, "type") == "blocked"  # "bounce" is SendGrid's hard bounce


def _is_soft_amazon_ses(esp_event) -> bool:
    # Only "Permanent" is a hard bounce; "Transient" and "Undetermined" may deliver later.
    return _mapping_get(esp_event, "bounce", "bounceType") in ("Transient", "Undetermined")


def _is_soft_brevo(esp_event) -> bool:
    return _mapping_get(esp_event, "event") == "soft_bounce"  # anymail reports both as "bounced"


# (Mailgun: anymail already reports its "temporary" failures as "deferred".)
SOFT_BOUNCE_TESTS = {
    "Postmark": _is_soft_postmark,
    "SendGrid": _is_soft_sendgrid,
    "Amazon SES": _is_soft_amazon_ses,
    "Brevo": _is_soft_brevo,
    "SendinBlue": _is_soft_brevo,
}


def classify_bounce(event_type: str, reject_reason: str, esp_name: str, esp_event) -> str:
    """"soft", "hard" or "" (not a non-delivery), from anymail's event and the ESP's own data."""
    if event_type == "deferred":
        return "soft"
    if event_type == "bounced":
        is_soft = SOFT_BOUNCE_TESTS.get(esp_name)
        return "soft" if is_soft is not None and is_soft(esp_event) else "hard"
    if event_type == "rejected" and reject_reason in ADDRESS_REJECTED:
        return "hard"
    return ""


def _clean(text: str, limit: int) -> str:
    # PostgreSQL stores no NUL and no lone surrogate (both can come out of JSON).
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:limit]


def _text(value, limit: int = TEXT_LENGTH) -> str:
    """Any JSON-ish value as text to store: objects as JSON, None as ""."""
    if value is None:
        return ""
    if not isinstance(value, str):
        try:
            value = json.dumps(value, ensure_ascii=False, default=str)[:limit]
        except (TypeError, ValueError, RecursionError):
            value = ""
    return _clean(value, limit)


def _identifier(value, limit: int = EVENT_ID_LENGTH) -> str:
    """An ESP id: a string or a number; anything else is no id."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return ""
    return _clean(str(value), limit).strip()


def _address(value) -> str:
    """A valid email address, lower-cased, or "" (a number, an object, junk)."""
    if not isinstance(value, str):
        return ""
    address = value.strip().lower()
    try:
        validate_email(address)
    except (ValidationError, UnicodeError):
        return ""
    return address if len(address) <= ADDRESS_LENGTH else ""


def _instant(value) -> dt.datetime:
    """An aware datetime in UTC; a naive one is taken as UTC; anything else is now."""
    if isinstance(value, dt.datetime):
        try:
            return value.astimezone(dt.UTC) if value.utcoffset() is not None else value.replace(tzinfo=dt.UTC)
        except (OverflowError, ValueError):
            pass
    return timezone.now()


@dataclass(frozen=True)
class TrackingEvent:
    """An anymail tracking event with every field checked: what drip stores and acts on."""

    event_type: str
    recipient: str  # a valid address or ""
    occurred_at: dt.datetime
    esp_event_id: str
    message_pk: int | None
    esp_message_id: str
    description: str
    url: str
    bounce: str


def normalise(event, esp_name: str) -> TrackingEvent:
    """Whatever anymail's event holds, as values the database and our rules accept."""
    event_type = getattr(event, "event_type", None)
    event_type = event_type[:EVENT_TYPE_LENGTH] if isinstance(event_type, str) and event_type else "unknown"
    reject_reason = getattr(event, "reject_reason", None)
    reject_reason = reject_reason if isinstance(reject_reason, str) else ""
    message_pk = _identifier(_mapping_get(getattr(event, "metadata", None), "drip_message"))
    url = getattr(event, "click_url", None)
    return TrackingEvent(
        event_type=event_type,
        recipient=_address(getattr(event, "recipient", None)),
        occurred_at=_instant(getattr(event, "timestamp", None)),
        esp_event_id=_identifier(getattr(event, "event_id", None)),
        message_pk=int(message_pk) if MESSAGE_PK.fullmatch(message_pk) else None,
        esp_message_id=_identifier(getattr(event, "message_id", None)),
        description=_text(getattr(event, "description", None)) or _text(reject_reason),
        url=_clean(url, TEXT_LENGTH) if isinstance(url, str) else "",
        bounce=classify_bounce(event_type, reject_reason, esp_name, getattr(event, "esp_event", None)),
    )


def find_message(event: TrackingEvent) -> Message | None:
    if event.message_pk is not None:
        return Message.objects.filter(pk=event.message_pk).first()
    if event.esp_message_id:
        return Message.objects.filter(esp_message_id=event.esp_message_id).first()
    return None


def record_tracking_event(event, esp_name: str = "") -> MessageEvent | None:
    """Store one anymail event and apply its consequences; None when it is
    ignored (unusable, about an erased address, or recorded before)."""
    checked = normalise(event, esp_name)
    message = find_message(checked)
    recipient = checked.recipient or (message.to_email if message else "")
    if not recipient:
        logger.info("%s %s event names no valid recipient and matches no drip message; ignored",
                    esp_name, checked.event_type)
        return None
    if message is None and is_erased(recipient):
        logger.info("%s %s event for an erased address; not stored", esp_name, checked.event_type)
        return None
    return record_message_event(
        message, checked.event_type, recipient, occurred_at=checked.occurred_at, esp_event_id=checked.esp_event_id,
        description=checked.description, url=checked.url, bounce=checked.bounce, source=esp_name,
    )


def record_message_event(message: Message | None, event_type: str, recipient: str, *,
                         occurred_at=None, esp_event_id: str = "", description: str = "", url: str = "",
                         bounce: str = "", source: str = "", flag: str = "") -> MessageEvent | None:
    """Store what happened to a message (from the ESP or our own pixel and
    links) and act on it: suppress, unsubscribe, count or reset soft bounces.
    An ESP event already stored (same id and recipient) is not stored again
    and acts no more: None."""
    with transaction.atomic():  # the event and its consequences, or neither (then the ESP retries)
        try:
            with transaction.atomic():
                stored = MessageEvent.objects.create(
                    message=message, event_type=event_type, recipient=recipient,
                    occurred_at=occurred_at or timezone.now(), esp_event_id=esp_event_id,
                    description=description[:TEXT_LENGTH], url=url[:TEXT_LENGTH], bounce=bounce,
                    flag=flag or scanner_flag(message, event_type, occurred_at or timezone.now()),
                )
        except IntegrityError:
            if not (esp_event_id and MessageEvent.objects.filter(esp_event_id=esp_event_id,
                                                                 recipient=recipient).exists()):
                raise
            logger.info("%s event %s was recorded before; ignored", source, esp_event_id)
            return None
        _act_on(stored, source)
        count_event(stored)
    return stored


def _act_on(event: MessageEvent, source: str) -> None:
    if not event.recipient:  # another channel's event (SMS): no email address to suppress or unsubscribe
        return
    contacts = Contact.objects.with_address(event.recipient)
    if event.bounce == "hard":
        suppress(event.recipient, "hard bounce" if event.event_type == "bounced" else "rejected address")
    elif event.event_type == "complained":
        suppress(event.recipient, "complaint")
    elif event.event_type == "unsubscribed":
        for contact in contacts:
            unsubscribe(contact, f"unsubscribe reported by the ESP {source}".strip())
    elif event.bounce == "soft":
        if _first_soft_bounce_of_its_message(event):
            contacts.update(consecutive_soft_bounces=F("consecutive_soft_bounces") + 1)
            if contacts.filter(consecutive_soft_bounces__gt=drip_settings.SOFT_BOUNCE_LIMIT).exists():
                suppress(event.recipient, "repeated soft bounces")
    elif event.event_type in ENGAGED:
        contacts.filter(consecutive_soft_bounces__gt=0).update(consecutive_soft_bounces=0)


def _first_soft_bounce_of_its_message(event: MessageEvent) -> bool:
    """ESPs report each retry of a greylisted message: the message counts once.
    One that matches no drip message is not counted (its retries cannot be told apart)."""
    if event.message_id is None:
        logger.info("soft bounce matching no drip message; not counted towards SOFT_BOUNCE_LIMIT")
        return False
    # Soft bounces of one message are counted one at a time (NO KEY: inserting
    # events, which reference the row, does not wait for this lock).
    list(Message.objects.select_for_update(no_key=True).filter(pk=event.message_id).values_list("pk"))
    return not MessageEvent.objects.filter(message_id=event.message_id, bounce="soft").exclude(pk=event.pk).exists()


def on_anymail_tracking(sender, event, esp_name, **kwargs) -> None:
    """Never raises for what an event holds: an exception here is a 500, and
    the ESP would post the same event again, for days."""
    try:
        record_tracking_event(event, esp_name)
    except (OperationalError, InterfaceError):
        raise  # the database is away: the 500 makes the ESP post it again later
    except Exception:  # noqa: BLE001 - logged with its traceback; the ESP must not retry it forever
        logger.exception("%s tracking event could not be recorded; ignored", esp_name)
