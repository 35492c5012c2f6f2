from __future__ import annotations

import pytest

from drip_plugin.channels.push.vapid import generate_keys

from .push_service import LocalPushService


@pytest.fixture
def vapid_keys():
    return generate_keys()


@pytest.fixture
def push_settings(settings, vapid_keys):
    """Web push on, with a fresh key pair; the local push service's origin allowed."""
    settings.DRIP_PLUGIN = {
        **settings.DRIP_PLUGIN, "PUSH_ENABLED": True, "PUSH_VAPID_PUBLIC_KEY": vapid_keys.public_key,
        "PUSH_VAPID_PRIVATE_KEY": vapid_keys.private_key, "PUSH_VAPID_SUBJECT": "mailto:ops@shop.test",
        "PUSH_SERVICE_ORIGINS": ["http://127.0.0.1:*"],
    }
    return settings


@pytest.fixture
def push_service(push_settings, vapid_keys):
    service = LocalPushService(vapid_keys.public_key).start()
    yield service
    service.stop()
