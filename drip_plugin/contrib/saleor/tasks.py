"""Celery task of the Saleor App: a thin shell over processing."""
from __future__ import annotations

from celery import shared_task

from .processing import process_delivery


# The name it had in drip_plugin.tasks, so tasks already queued still run.
@shared_task(name="drip_plugin.tasks.process_saleor_delivery", ignore_result=True)
def process_saleor_delivery(delivery_id: int) -> bool:
    return process_delivery(delivery_id)
