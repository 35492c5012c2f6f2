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
from ...integrations.signals import pending_event, track_host_event, track_host_events_at_once
from .models import SaleorInstallation, SaleorWebhookDelivery
from .payloads import UnusablePayload, to_event

logger = logging.getLogger("drip_plugin.contrib.saleor")

# A delivery that keeps failing (e.g. database trouble) is retried by the
# tick this many times, then left with its error for a human.
MAX_ATTEMPTS = 5
# Deliveries tracked together in one track_many().
BATCH_SIZE = 500


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
    """Stored deliveries not processed yet, oldest first, in batches (one
    track_many() each); the batch task's work and the tick's sweep (a
    registered tick step: deliveries whose task was lost or failed). A
    stored delivery is due at once, whatever `now` is."""
    done = 0
    while done < limit:
        size = min(BATCH_SIZE, limit - done)
        processed = process_batch(size)
        done += processed
        if processed < size:  # none left, or some failed: they wait for the next sweep
            break
    return done


def process_batch(size: int) -> int:
    """Claim up to `size` pending deliveries (SELECT … FOR UPDATE SKIP LOCKED:
    concurrent batches and process_delivery() never share one), track their
    events in one go and mark them processed; return how many were processed.
    When the batch fails as a whole, each is processed on its own, so that
    one bad row cannot hold the others back."""
    batch: list[SaleorWebhookDelivery] = []
    try:
        with transaction.atomic():
            batch = list(SaleorWebhookDelivery.objects.select_for_update(skip_locked=True)
                         .filter(processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
                         .order_by("received_at")[:size])
            usable = []
            for delivery in batch:
                try:
                    host_event = to_event(delivery.event_type, delivery.payload, idempotency_key(delivery))
                    pending_event(host_event)
                    usable.append(host_event)
                except (UnusablePayload, InvalidEvent) as exc:
                    logger.warning("Saleor %s delivery %s not used: %s", delivery.event_type, delivery.pk, exc)
                    delivery.error = str(exc)
            track_host_events_at_once(usable)
            now = timezone.now()
            for delivery in batch:
                delivery.processed_at, delivery.attempts = now, delivery.attempts + 1
            SaleorWebhookDelivery.objects.bulk_update(batch, ["processed_at", "attempts", "error"])
            return len(batch)
    except Exception:  # noqa: BLE001 - retried one by one below
        logger.warning("a batch of Saleor deliveries failed; processing them one by one", exc_info=True)
    done = 0
    for delivery_id in [delivery.pk for delivery in batch]:
        try:
            done += process_delivery(delivery_id)
        except Exception as exc:  # noqa: BLE001 - one bad row must not stop the others
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
