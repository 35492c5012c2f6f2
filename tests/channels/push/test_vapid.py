"""VAPID keys from settings, their check, and the command that makes a pair."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from drip_plugin.channels.push.checks import check_push_settings
from drip_plugin.channels.push.vapid import VapidKeyProblem, generate_keys, signer


def push_on(settings, **keys):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "PUSH_ENABLED": True, **keys}


def test_the_command_prints_a_pair_that_signs(settings):
    out = io.StringIO()
    call_command("drip_push_keys", stdout=out)
    printed = eval("{" + out.getvalue() + "}")  # noqa: S307 - the command prints settings as a dict's items
    push_on(settings, **{**printed, "PUSH_VAPID_SUBJECT": "mailto:ops@shop.test"})
    headers = signer().sign({"sub": "mailto:ops@shop.test", "aud": "https://fcm.googleapis.com"})
    assert headers["Authorization"].startswith("vapid t=") and f"k={printed['PUSH_VAPID_PUBLIC_KEY']}" in \
        headers["Authorization"]
    assert check_push_settings() == []


def test_push_off_needs_no_keys(settings):
    assert check_push_settings() == []


@pytest.mark.parametrize(("keys", "says"), [
    ({}, "are required"),
    ({"PUSH_VAPID_PRIVATE_KEY": "not-base64!"}, "not a raw P-256 private key"),
    ({"PUSH_VAPID_PRIVATE_KEY": "c2hvcnQ"}, "5 bytes instead of 32"),
    ({"PUSH_VAPID_PUBLIC_KEY": generate_keys().public_key}, "not the public half"),
    ({"PUSH_VAPID_SUBJECT": "ops@shop.test"}, "PUSH_VAPID_SUBJECT must be"),
    ({"PUSH_VAPID_SUBJECT": "https://shop.test/contact"}, "PUSH_VAPID_SUBJECT must be"),
])
def test_missing_or_invalid_keys_are_error_e110(settings, keys, says):
    pair = generate_keys()
    push_on(settings, **({"PUSH_VAPID_PUBLIC_KEY": pair.public_key, "PUSH_VAPID_PRIVATE_KEY": pair.private_key,
                          "PUSH_VAPID_SUBJECT": "mailto:ops@shop.test", **keys} if keys else {}))
    with pytest.raises(VapidKeyProblem, match=says):
        signer()
    (error,) = check_push_settings()
    assert error.id == "drip_plugin.E110" and says in error.msg


def test_bad_origins_and_resolver_are_errors(settings):
    pair = generate_keys()
    push_on(settings, PUSH_VAPID_PUBLIC_KEY=pair.public_key, PUSH_VAPID_PRIVATE_KEY=pair.private_key,
            PUSH_VAPID_SUBJECT="mailto:ops@shop.test", PUSH_SERVICE_ORIGINS="https://fcm.googleapis.com",
            PUSH_CONTACT_RESOLVER="shop.nowhere.resolver")
    assert [error.id for error in check_push_settings()] == ["drip_plugin.E111", "drip_plugin.E112"]


def test_live_push_steps_while_push_is_off_are_error_e113(db, settings):
    from drip_plugin.channels.push.checks import check_push_steps
    from drip_plugin.channels.push.models import PushNotification
    from drip_plugin.models.sequences import StepKind
    from tests.factories import build_sequence

    notification = PushNotification.objects.create(name="n", title="Hi", live=True)
    build_sequence("Cart", "checkout_updated", [{"kind": StepKind.PUSH, "push": notification}])
    assert check_push_steps() == []  # without --database: no query
    (error,) = check_push_steps(databases=["default"])
    assert error.id == "drip_plugin.E113"
    pair = generate_keys()
    push_on(settings, PUSH_VAPID_PUBLIC_KEY=pair.public_key, PUSH_VAPID_PRIVATE_KEY=pair.private_key,
            PUSH_VAPID_SUBJECT="mailto:ops@shop.test")
    assert check_push_steps(databases=["default"]) == []


def test_a_push_step_needs_push_on(db, settings):
    from django.core.exceptions import ValidationError

    from drip_plugin.channels.push.models import PushNotification
    from drip_plugin.models import Step
    from drip_plugin.models.sequences import StepKind

    step = Step(kind=StepKind.PUSH, push=PushNotification.objects.create(name="n", title="Hi"))
    with pytest.raises(ValidationError, match="Web push is off"):
        step.clean()
    push_on(settings)
    step.clean()
