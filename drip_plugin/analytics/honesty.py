"""Opens and clicks that were no person reading, flagged so that rates leave
them out (the raw figure is shown beside):

- staff: the open pixel or click link requested by a user logged into the
  admin (an editor checking an email);
- prefetch: the open pixel fetched from a mail privacy proxy — Apple Mail
  Privacy Protection loads every image of every message from Apple's own
  network 17.0.0.0/8 (PREFETCH_NETWORKS), whether or not anyone reads it;
- scanner: a click within SCANNER_CLICK_SECONDS of the send — mail security
  gateways follow every link on arrival, people do not read that fast.
"""
from __future__ import annotations

import datetime as dt
import ipaddress

from django.http import HttpRequest

from ..conf import drip_settings
from ..models import Message
from ..models.delivery import EventFlag


def _from_prefetch_network(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network) for network in drip_settings.PREFETCH_NETWORKS)


def request_flag(request: HttpRequest, event_type: str) -> str:
    """The flag of an open or click made by this request of our pixel / link."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return EventFlag.STAFF
    if event_type == "opened" and _from_prefetch_network(request.META.get("REMOTE_ADDR", "")):
        return EventFlag.PREFETCH
    return ""


def scanner_flag(message: Message | None, event_type: str, occurred_at: dt.datetime) -> str:
    """SCANNER for a click too soon after its message was sent (ESP-reported or ours)."""
    if event_type != "clicked" or message is None or message.sent_at is None:
        return ""
    soon = dt.timedelta(seconds=drip_settings.SCANNER_CLICK_SECONDS)
    return EventFlag.SCANNER if occurred_at - message.sent_at < soon else ""
