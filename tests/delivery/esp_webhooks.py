"""Tracking webhooks as the ESPs the README documents post them to anymail's
URLs: each ESP's payload shape (from its webhook docs and anymail's own
tests), its authentication (basic auth, Mailgun's signature, SNS headers)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json

from drip_plugin.models import Message

WEBHOOK_SECRET = "anymail:webhook-secret"
MAILGUN_SIGNING_KEY = "mailgun-signing-key"
ANYMAIL_SETTINGS = {"WEBHOOK_SECRET": WEBHOOK_SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_SIGNING_KEY}
AUTHORIZATION = "Basic " + base64.b64encode(WEBHOOK_SECRET.encode()).decode()
ESPS = ["Postmark", "SendGrid", "Mailgun", "Amazon SES", "Brevo"]
IDS = itertools.count(1)
CLICKED_URL = "https://shop.test/start"


def post(client, esp: str, body, headers: dict | None = None):
    """POST `body` (a JSON value, or bytes as they are) to `esp`'s anymail tracking URL."""
    path = {"Postmark": "postmark", "SendGrid": "sendgrid", "Mailgun": "mailgun", "Amazon SES": "amazon_ses",
            "Brevo": "brevo"}[esp]
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(f"/anymail/{path}/tracking/", data=data, content_type="application/json",
                       HTTP_AUTHORIZATION=AUTHORIZATION, **(headers or {}))


def postmark(kind: str, message: Message, event_id) -> dict | None:
    common = {"MessageID": "pm-" + str(message.pk), "Metadata": {"drip_message": str(message.pk)},
              "Tag": "drip", "ServerID": 23, "MessageStream": "outbound"}
    bounce = {"RecordType": "Bounce", "ID": event_id, "Email": message.to_email, "BouncedAt": "2026-03-02T09:00:00Z",
              "Details": "smtp;450 4.2.0 greylisted", "Inactive": False, "CanActivate": True, "Subject": "One"}
    types = {"deferred": ("Transient", 2, "Message delayed"),
             "soft": ("SoftBounce", 4096, "The server was unable to temporarily deliver your message"),
             "hard": ("HardBounce", 1, "The server was unable to deliver your message (ex: unknown user)."),
             "invalid": ("BadEmailAddress", 100000, "Invalid email address")}
    if kind in types:
        name, code, description = types[kind]
        return {**common, **bounce, "Type": name, "TypeCode": code, "Name": name, "Description": description}
    if kind == "delivered":
        return {**common, "RecordType": "Delivery", "Recipient": message.to_email,
                "DeliveredAt": "2026-03-02T09:00:00Z", "Details": "Test delivery webhook details"}
    return {**common, "RecordType": "Click", "Recipient": message.to_email, "ReceivedAt": "2026-03-02T09:00:00Z",
            "ClickLocation": "HTML", "Platform": "Desktop", "UserAgent": "Mozilla/5.0", "OriginalLink": CLICKED_URL}


def sendgrid(kind: str, message: Message, event_id) -> list | None:
    event = {"email": message.to_email, "timestamp": 1772442000, "smtp-id": f"<sg-{message.pk}@shop.test>",
             "sg_event_id": f"sg-{event_id}", "sg_message_id": f"sg-{message.pk}.filter0001",
             "category": ["drip"], "drip_message": str(message.pk)}  # custom args come at the top level
    shapes = {
        "deferred": {"event": "deferred", "response": "450 4.2.0 greylisted, try again later", "attempt": "3"},
        "soft": {"event": "bounce", "type": "blocked", "status": "4.0.0", "reason": "421 try again later"},
        "hard": {"event": "bounce", "type": "bounce", "status": "5.1.1", "reason": "550 5.1.1 unknown user"},
        "invalid": {"event": "dropped", "reason": "Invalid", "status": "5.0.0"},
        "delivered": {"event": "delivered", "response": "250 OK"},
        "clicked": {"event": "click", "url": CLICKED_URL, "useragent": "Mozilla/5.0", "url_offset": {"index": 0}},
    }
    return [{**event, **shapes[kind]}]


def mailgun(kind: str, message: Message, event_id) -> dict | None:
    # Mailgun has one "failed" event, temporary (it retries) or permanent; a
    # temporary one is as close to a final soft bounce as Mailgun gets.
    shapes = {
        "deferred": {"event": "failed", "severity": "temporary", "reason": "generic",
                     "delivery-status": {"code": 452, "message": "4.2.2 mailbox full", "description": "",
                                         "attempt-no": 1, "retry-seconds": 600}},
        "hard": {"event": "failed", "severity": "permanent", "reason": "bounce",
                 "delivery-status": {"code": 550, "message": "5.1.1 no such user", "description": "Not delivered"}},
        "invalid": None,  # Mailgun reports refused addresses as permanent failures (above)
        "delivered": {"event": "delivered", "delivery-status": {"code": 250, "message": "OK", "description": ""}},
        "clicked": {"event": "clicked", "url": CLICKED_URL, "client-info": {"user-agent": "Mozilla/5.0"}},
    }
    shapes["soft"] = shapes["deferred"]
    if shapes[kind] is None:
        return None
    token = f"mailgun-token-{event_id}"
    timestamp = "1772442000"
    signature = hmac.new(MAILGUN_SIGNING_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {"id": f"mg-{event_id}", "timestamp": 1772442000.5, "recipient": message.to_email,
                       "tags": ["drip"], "user-variables": {"drip_message": str(message.pk)},
                       "message": {"headers": {"message-id": f"mg-{message.pk}@shop.test", "to": message.to_email}},
                       **shapes[kind]},
    }


def amazon_ses(kind: str, message: Message, event_id) -> tuple[dict, dict] | None:
    """An SNS notification wrapping an SES event; with the SNS headers anymail checks."""
    mail = {"timestamp": "2026-03-02T09:00:00.000Z", "messageId": f"ses-{message.pk}",
            "destination": [message.to_email], "source": "hello@shop.test",
            "headers": [{"name": "X-Metadata", "value": json.dumps({"drip_message": str(message.pk)})}]}
    bounce_types = {"deferred": ("Transient", "General"), "soft": ("Transient", "MailboxFull"),
                    "hard": ("Permanent", "General"), "invalid": ("Permanent", "NoEmail")}
    if kind in bounce_types:
        bounce_type, sub_type = bounce_types[kind]
        event = {"eventType": "Bounce", "bounce": {
            "bounceType": bounce_type, "bounceSubType": sub_type, "timestamp": "2026-03-02T09:00:01.000Z",
            "bouncedRecipients": [{"emailAddress": message.to_email, "status": "5.1.1",
                                   "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]}}
    elif kind == "delivered":
        event = {"eventType": "Delivery", "delivery": {"recipients": [message.to_email], "smtpResponse": "250 OK"}}
    else:
        event = {"eventType": "Click", "click": {"link": CLICKED_URL, "userAgent": "Mozilla/5.0",
                                                  "timestamp": "2026-03-02T09:00:01.000Z"}}
    sns_id = f"00000000-0000-4000-8000-{event_id:012d}"
    notification = {"Type": "Notification", "MessageId": sns_id,
                    "TopicArn": "arn:aws:sns:us-east-1:111122223333:ses-events",
                    "Message": json.dumps({**event, "mail": mail}), "Timestamp": "2026-03-02T09:00:02.000Z",
                    "SignatureVersion": "1", "Signature": "EXAMPLE"}
    return notification, {"HTTP_X_AMZ_SNS_MESSAGE_TYPE": "Notification", "HTTP_X_AMZ_SNS_MESSAGE_ID": sns_id}


def brevo(kind: str, message: Message, event_id) -> dict | None:
    events = {"deferred": "deferred", "soft": "soft_bounce", "hard": "hard_bounce", "invalid": "invalid_email",
              "delivered": "delivered", "clicked": "click"}
    return {"event": events[kind], "email": message.to_email, "id": 1234, "date": "2026-03-02 10:00:00",
            "ts": 1772442000, "ts_event": 1772442000, "ts_epoch": 1772442000000 + event_id,
            "message-id": f"<brevo-{message.pk}@smtp-relay.mailin.fr>", "subject": "One", "tag": "drip",
            "sending_ip": "127.0.0.1", "reason": "mailbox full" if "bounce" in events[kind] else None,
            "link": CLICKED_URL if kind == "clicked" else None,
            "X-Mailin-custom": json.dumps({"drip_message": str(message.pk)})}


BUILDERS = {"Postmark": postmark, "SendGrid": sendgrid, "Mailgun": mailgun, "Amazon SES": amazon_ses,
            "Brevo": brevo}


def payload(esp: str, kind: str, message: Message, event_id: int | None = None):
    """(body, extra headers) of `esp`'s webhook for `kind` about `message`: a
    retry the ESP will make ("deferred"), a final "soft" or "hard" bounce, a
    refusal of an "invalid" address, "delivered" or "clicked". Each call is a
    new ESP event unless `event_id` repeats one. None: the ESP has no such event."""
    built = BUILDERS[esp](kind, message, next(IDS) if event_id is None else event_id)
    if built is None or esp == "Amazon SES":
        return built
    return built, {}


def send_event(client, esp: str, kind: str, message: Message, event_id: int | None = None):
    body, headers = payload(esp, kind, message, event_id)
    response = post(client, esp, body, headers)
    assert response.status_code == 200, (esp, kind, response.status_code, response.content[:300])
    return response
