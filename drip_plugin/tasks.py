"""Celery tasks: thin shells over plain functions."""
from __future__ import annotations

import uuid
from dataclasses import asdict

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from .channels.registry import channel_named
from .extensions import register_interruption
from .ingest.contact_import import run_import_job
from .models.messages import EMAIL
from .scheduling import tick as run_tick

# Celery's soft time limit lands anywhere in a task: for the sender it is a
# stop (re-raised, the rest left to the lease), never a message's failure.
register_interruption(SoftTimeLimitExceeded)


@shared_task(name="drip_plugin.tasks.prune", ignore_result=True)
def prune() -> dict:
    from .retention import prune as run_prune

    return asdict(run_prune())


@shared_task(name="drip_plugin.tasks.tick", ignore_result=True)
def tick() -> dict:
    return asdict(run_tick())


@shared_task(name="drip_plugin.tasks.contact_import", ignore_result=True)
def contact_import(job_id: int) -> None:
    run_import_job(job_id)


@shared_task(name="drip_plugin.tasks.send_batch", ignore_result=True)
def send_batch(claim: str, channel: str = EMAIL) -> dict:
    """Send the messages of `channel` the tick leased to `claim` (SEND_IN_WORKERS)."""
    sender = channel_named(channel)
    if sender is None:  # CHANNELS changed since the tick queued it: the lease expiry frees the messages
        raise ValueError(f"drip channel {channel!r} is not in CHANNELS")
    return asdict(sender.send_claimed(uuid.UUID(claim), timezone.now()))
