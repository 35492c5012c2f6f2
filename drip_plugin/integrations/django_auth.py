"""django.contrib.auth: a newly created user emits the signup event."""
from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_save

from ..conf import drip_settings
from ..exceptions import InvalidEvent

logger = logging.getLogger("drip_plugin.integrations")


def signup_idempotency_key(user, event_name: str) -> str:
    """One signup per user, whichever signal reports it first (auth's
    post_save, Oscar's user_registered)."""
    return f"auth-user-{user.pk}-{event_name}"


def on_user_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw or not drip_settings.CONNECT_AUTH_SIGNALS:
        return
    event_name = drip_settings.AUTH_SIGNUP_EVENT
    if not event_name or not instance.email:
        return
    from .. import track

    def emit() -> None:
        try:
            track(event_name, user=instance, idempotency_key=signup_idempotency_key(instance, event_name))
        except InvalidEvent as exc:
            logger.warning("signup of user %s not tracked: %s", instance.pk, exc)
        except Exception:  # noqa: BLE001 - runs in the host's signup request: never break it
            logger.exception("signup of user %s not tracked", instance.pk)

    # After commit: the signup form's transaction may still roll back.
    transaction.on_commit(emit)


def connect() -> None:
    post_save.connect(on_user_saved, sender=get_user_model(), dispatch_uid="drip_plugin.auth_signup")
