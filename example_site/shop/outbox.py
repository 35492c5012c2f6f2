"""The demo's outbox: every email the demo sends — drip's messages and the
admin's test sends alike — is one .eml file in EMAIL_FILE_PATH, which any mail
client opens; /outbox/ lists them and shows each without firing its open pixel."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import timezone

EML_NAME = re.compile(r"\d{8}-\d{6}-[0-9a-f]{32}\.eml")
DRIP_MESSAGE_ID = re.compile(r"<drip\.([0-9a-f-]{36})@")


class EmlEmailBackend(BaseEmailBackend):
    """Writes each message to its own .eml file (Django's file backend
    appends every message of a connection to one .log file)."""

    def send_messages(self, email_messages) -> int:
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex}.eml"
            (folder / name).write_bytes(message.message().as_bytes(linesep="\r\n"))
        return len(email_messages)


@dataclass(frozen=True)
class SentEmail:
    name: str
    subject: str
    to: str
    sent_at: datetime | None
    drip_token: str | None  # the drip Message it is, None for a test send


def read_eml(name: str) -> EmailMessage | None:
    """The named .eml of the outbox, None for any other name (no paths from the URL)."""
    path = Path(settings.EMAIL_FILE_PATH) / name
    if not EML_NAME.fullmatch(name) or not path.is_file():
        return None
    return message_from_bytes(path.read_bytes(), policy=policy.default)


def sent_emails(limit: int = 50) -> list[SentEmail]:
    """The newest `limit` emails of the outbox, newest first."""
    names = sorted((p.name for p in Path(settings.EMAIL_FILE_PATH).glob("*.eml") if EML_NAME.fullmatch(p.name)),
                   reverse=True)[:limit]
    emails = []
    for name in names:
        message = read_eml(name)
        token = DRIP_MESSAGE_ID.search(message.get("Message-ID", ""))
        date = message.get("Date")
        emails.append(SentEmail(name, str(message.get("Subject", "")), str(message.get("To", "")),
                                parsedate_to_datetime(date) if date else None, token.group(1) if token else None))
    return emails


def without_open_pixel(html: str) -> str:
    """The HTML with drip's open pixel removed: reading the outbox is not
    the customer opening the email, and must not count as an open."""
    open_path = reverse("drip_plugin:open", args=["TOKEN"]).split("TOKEN")[0]
    return re.sub(rf'<img\b[^>]*\bsrc="[^"]*{re.escape(open_path)}[^"]*"[^>]*>', "", html)
