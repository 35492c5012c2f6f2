"""Celery task of the Saleor App: a thin shell over processing."""
from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .processing import process_delivery, process_pending_deliveries


# The name it had in drip_plugin.tasks, so tasks already queued still run.
@shared_task(name="drip_plugin.tasks.process_saleor_delivery", ignore_result=True)
def process_saleor_delivery(delivery_id: int) -> bool:
    return process_delivery(delivery_id)


# What webhooks queue now: one task per second at most, for all deliveries stored meanwhile.
@shared_task(name="drip_plugin.contrib.saleor.process_saleor_deliveries", ignore_result=True)
def process_saleor_deliveries(limit: int = 5000) -> int:
    return process_pending_deliveries(timezone.now(), limit)
