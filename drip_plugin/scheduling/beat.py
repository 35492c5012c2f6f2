"""Registering the tick with django-celery-beat's DatabaseScheduler."""
from __future__ import annotations

from django.apps import apps

from ..conf import drip_settings

TASK_NAME = "drip_plugin.tasks.tick"
PERIODIC_TASK_NAME = "drip_plugin: tick"
PRUNE_TASK_NAME = "drip_plugin.tasks.prune"
PRUNE_PERIODIC_TASK_NAME = "drip_plugin: prune"


def register_tick_schedule(**kwargs) -> None:
    """Create or update the periodic tick and the daily prune; idempotent (runs after every migrate)."""
    if not drip_settings.REGISTER_BEAT_SCHEDULE or not apps.is_installed("django_celery_beat"):
        return
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every = int(drip_settings.TICK_INTERVAL)
    schedule, _ = IntervalSchedule.objects.get_or_create(every=every, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update_or_create(
        name=PERIODIC_TASK_NAME,
        defaults={"task": TASK_NAME, "interval": schedule, "enabled": True},
    )
    # Retention, once a day; it deletes nothing while the RETAIN_* settings are None.
    daily, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.DAYS)
    PeriodicTask.objects.update_or_create(
        name=PRUNE_PERIODIC_TASK_NAME,
        defaults={"task": PRUNE_TASK_NAME, "interval": daily, "enabled": True},
    )
