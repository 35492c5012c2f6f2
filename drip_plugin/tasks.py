"""Celery tasks: thin shells over plain functions."""
from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from .extensions import register_interruption
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
