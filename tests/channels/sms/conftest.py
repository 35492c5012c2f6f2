from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from drip_plugin.models import Contact, SmsText
from drip_plugin.models.contacts import SmsConsent
from tests import fake_twilio


@pytest.fixture
def twilio_fake(settings):
    """The local fake of Twilio's API, with drip's settings pointing the SDK at it."""
    fake, stop = fake_twilio.serve()
    settings.DRIP_PLUGIN = {
        **settings.DRIP_PLUGIN, "TWILIO_ACCOUNT_SID": fake.account_sid, "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_API_URL": fake.url, "TWILIO_TIMEOUT": 5, "SMS_SENDERS": {"": "+15005550006", "FR": "Boutique"},
    }
    yield fake
    stop()


def signed_post(client, path: str, params: dict, token: str = "fake-auth-token", signature: str | None = None):
    """POST `params` to `path` as Twilio does: form-encoded, signed with the auth token."""
    url = "http://testserver" + path  # SITE_URL in the test settings
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def sms_contact(email: str = "cat@example.com", phone: str = "+33612345678", **fields) -> Contact:
    return Contact.objects.create(email=email, phone=phone, **{"sms_consent": SmsConsent.GRANTED, **fields})


def sms_text(body: str, name: str = "Cart SMS") -> SmsText:
    return SmsText.objects.create(name=name, body=body, live=True)
