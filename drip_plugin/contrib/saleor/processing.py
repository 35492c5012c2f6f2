"""Stored webhook deliveries → events, after the webhook has been answered."""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from ...exceptions import InvalidEvent
from ...integrations.signals import track_host_event
from .models import SaleorInstallation, SaleorWebhookDelivery
from .payloads import UnusablePayload, to_event

logger = logging.getLogger("drip_plugin.contrib.saleor")

# A delivery that keeps failing (e.g. database trouble) is retried by the
# tick this many times, then left with its error for a human.
MAX_ATTEMPTS = 5


def record_delivery(installation: SaleorInstallation, event_type: str, body: bytes, payload: dict
                    ) -> tuple[SaleorWebhookDelivery, bool]:
    """Store a verified webhook once; (delivery, created)."""
    digest = hashlib.sha256(body).hexdigest()
    lookup = {"installation": installation, "event_type": event_type, "body_sha256": digest}
    existing = SaleorWebhookDelivery.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return SaleorWebhookDelivery.objects.create(**lookup, payload=payload), True
    except IntegrityError:  # the same body arrived twice at once
        return SaleorWebhookDelivery.objects.get(**lookup), False


def idempotency_key(delivery: SaleorWebhookDelivery) -> str:
    return f"saleor:{delivery.installation_id}:{delivery.event_type}:{delivery.body_sha256}"


def process_delivery(delivery_id: int) -> bool:
    """Turn one stored delivery into its event; True when it was processed now.

    The row is claimed with SELECT … FOR UPDATE SKIP LOCKED, so a Celery task
    and the tick's sweep never process it twice (and the event's idempotency
    key would record it once anyway).
    """
    with transaction.atomic():
        delivery = (SaleorWebhookDelivery.objects.select_for_update(skip_locked=True)
                    .filter(pk=delivery_id, processed_at__isnull=True).first())
        if delivery is None:
            return False
        try:
            host_event = to_event(delivery.event_type, delivery.payload, idempotency_key(delivery))
            track_host_event(host_event)
        except (UnusablePayload, InvalidEvent) as exc:
            # Bad data does not get better by retrying: keep it, with the reason.
            logger.warning("Saleor %s delivery %s not used: %s", delivery.event_type, delivery.pk, exc)
            delivery.error = str(exc)
        delivery.processed_at = timezone.now()
        delivery.attempts += 1
        delivery.save(update_fields=["processed_at", "attempts", "error"])
    return True


def process_pending_deliveries(now: datetime, limit: int) -> int:
    """The tick's sweep (a registered tick step): deliveries whose task was
    lost or failed. A stored delivery is due at once, whatever `now` is."""
    pending = (SaleorWebhookDelivery.objects.filter(processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
               .order_by("received_at").values_list("pk", flat=True)[:limit])
    done = 0
    for delivery_id in list(pending):
        try:
            done += process_delivery(delivery_id)
        except Exception as exc:  # noqa: BLE001 - one bad row must not stop the tick
            logger.exception("Saleor delivery %s failed; will retry", delivery_id)
            SaleorWebhookDelivery.objects.filter(pk=delivery_id).update(attempts=F("attempts") + 1,
                                                                        error=repr(exc)[:2000])
    return done


def erase_payloads_of(contact) -> None:
    """GDPR erase (a registered eraser): webhooks kept after processing carry
    the address (and more) in their payload."""
    # Quoted as JSON writes it: erasing bob@shop.test must not touch jimbob@shop.test's.
    SaleorWebhookDelivery.objects.annotate(text=Cast("payload", TextField())).filter(
        text__icontains=f'"{contact.email}"').delete()
