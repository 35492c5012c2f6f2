"""Twilio's Messages API through its official SDK (`twilio` package, the
"sms" extra). TWILIO_API_URL points the SDK at another base URL (a local
fake of the API in tests and benches): the request is the SDK's own."""
from __future__ import annotations

import functools

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from ...conf import drip_settings
from ...delivery.errors import ProviderRefused
from ...delivery.handover import OutcomeUnknown

# Twilio answers these when it did not take the request: trying later is safe.
NOT_TAKEN = {429, 503}


@functools.cache  # one SDK client (and HTTP connection pool) per settings
def client():
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    sid, token = drip_settings.TWILIO_ACCOUNT_SID, drip_settings.TWILIO_AUTH_TOKEN
    if not (sid and token):
        raise ImproperlyConfigured("SMS needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN in DRIP_PLUGIN")
    twilio = Client(sid, token, http_client=TwilioHttpClient(timeout=drip_settings.TWILIO_TIMEOUT))
    if drip_settings.TWILIO_API_URL:
        twilio.api.base_url = drip_settings.TWILIO_API_URL
    return twilio


def send_sms(*, to: str, body: str, sender: str, status_callback: str | None = None) -> str:
    """Send one SMS; returns its Twilio SID. A sender starting "MG" is a
    Messaging Service. Raises ProviderRefused when Twilio answered with an
    error, OutcomeUnknown when its error may have come after it took the message."""
    from twilio.base.exceptions import TwilioRestException

    origin = {"messaging_service_sid": sender} if sender.startswith("MG") else {"from_": sender}
    if status_callback:
        origin["status_callback"] = status_callback
    try:
        return client().messages.create(to=to, body=body, **origin).sid
    except TwilioRestException as exc:
        reason = f"Twilio {exc.status} (code {exc.code}): {exc.msg}"
        if exc.status >= 500 and exc.status not in NOT_TAKEN:
            raise OutcomeUnknown(reason) from exc
        raise ProviderRefused(reason, transient=exc.status in NOT_TAKEN) from exc


def _forget(*, setting: str, **kwargs) -> None:
    if setting == "DRIP_PLUGIN":
        client.cache_clear()


setting_changed.connect(_forget)
