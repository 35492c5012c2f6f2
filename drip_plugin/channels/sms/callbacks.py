"""What Twilio posts back: delivery status of a sent SMS, and the replies
contacts send (STOP, HELP, YES). Each request is verified with Twilio's
signature scheme (twilio.request_validator.RequestValidator, keyed by the
auth token) against the URL drip gave Twilio (SITE_URL + path); a forged or
unsigned one is refused before anything is read from it."""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ...conf import drip_settings
from ...delivery.tracking import record_message_event
from ...models import Message
from .consent import confirm_by_reply, withdraw_by_reply

logger = logging.getLogger("drip_plugin.sms")
SMS = "sms"

# Twilio's final statuses → drip's event types (anymail's names); "queued",
# "sending", "sent" are steps on the way and recorded by nothing.
STATUS_EVENTS = {"delivered": "delivered", "undelivered": "failed", "failed": "failed"}
# Replies, compared in capitals without spaces or accents' marks: carriers'
# and Twilio's standard opt-out words, the French ARRET, and their helps.
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "ARRÊT"}
HELP_WORDS = {"HELP", "INFO", "AIDE"}
YES_WORDS = {"YES", "OUI", "Y"}
SID = re.compile(r"(SM|MM)[0-9a-f]{32}")


class Forged(Exception):
    """The request does not carry Twilio's valid signature for it."""


def verify(url: str, params: Mapping, signature: str) -> None:
    """Raise Forged unless `signature` is Twilio's for `url` and `params`."""
    from twilio.request_validator import RequestValidator

    token = drip_settings.TWILIO_AUTH_TOKEN
    if not token or not signature or not RequestValidator(token).validate(url, params, signature):
        raise Forged("missing or wrong X-Twilio-Signature")


def record_status(params: Mapping) -> str:
    """Store a status callback's final status as an event of its message;
    returns what was done (for the log and the answer)."""
    sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "")
    event_type = STATUS_EVENTS.get(status)
    if event_type is None:
        return f"status {status!r} ignored"
    if not SID.fullmatch(sid):
        return f"not a message SID: {sid[:40]!r}"
    message = Message.objects.filter(channel=SMS, esp_message_id=sid).first()
    if message is None:
        return f"no SMS message {sid}"
    description = f"Twilio error {params['ErrorCode']}" if params.get("ErrorCode") else ""
    stored = record_message_event(message, event_type, "", esp_event_id=f"{sid}:{status}", description=description,
                                  source="Twilio")
    return f"{event_type} of {sid} {'recorded' if stored else 'already recorded'}"


@dataclass(frozen=True)
class Reply:
    """What drip answers an inbound SMS ("" : nothing)."""
    text: str
    action: str


def handle_reply(params: Mapping) -> Reply:
    """An inbound SMS: STOP-like words opt the sender out at once, HELP gets
    SMS_HELP_TEXT, YES confirms a double opt-in; anything else is left to the shop."""
    phone, body = params.get("From", ""), params.get("Body", "")
    word = re.sub(r"[\s.!]+", "", body).upper()
    if word in STOP_WORDS:
        return Reply("", f"opted out {withdraw_by_reply(phone, body)} contact(s)")
    if word in HELP_WORDS:
        return Reply(drip_settings.SMS_HELP_TEXT, "help sent")
    if word in YES_WORDS:
        confirmed = confirm_by_reply(phone, body)
        return Reply(drip_settings.SMS_CONFIRMED_TEXT if confirmed else "", f"confirmed {confirmed} contact(s)")
    return Reply("", "not a keyword")
