"""Celery tasks: thin shells over plain functions."""
from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from .scheduling import tick as run_tick


@shared_task(name="drip_plugin.tasks.tick", ignore_result=True)
def tick() -> dict:
    return asdict(run_tick())
