"""Issue 3: the tick is registered with celery-beat, and reachable as task and command."""
from __future__ import annotations

import io

from django.core import mail
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from drip_plugin import track
from drip_plugin.scheduling.beat import PERIODIC_TASK_NAME, TASK_NAME, register_tick_schedule


def test_tick_is_registered_after_migrate_and_registration_is_idempotent(db, settings):
    task = PeriodicTask.objects.get(name=PERIODIC_TASK_NAME)  # created by the test DB's migrate
    assert (task.task, task.interval.every, task.interval.period) == (TASK_NAME, 60, "seconds")
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "TICK_INTERVAL": 15}
    register_tick_schedule()
    register_tick_schedule()
    task = PeriodicTask.objects.get(name=PERIODIC_TASK_NAME)
    assert task.interval.every == 15
    assert PeriodicTask.objects.filter(task=TASK_NAME).count() == 1


def test_registration_can_be_switched_off(db, settings):
    PeriodicTask.objects.all().delete()
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "REGISTER_BEAT_SCHEDULE": False}
    register_tick_schedule()
    assert not PeriodicTask.objects.exists()


def test_database_scheduler_schedules_the_tick(db):
    from celery import Celery
    from django_celery_beat.schedulers import DatabaseScheduler

    app = Celery("t", broker="memory://")
    scheduler = DatabaseScheduler(app=app, lazy=True)
    entry = scheduler.all_as_schedule()[PERIODIC_TASK_NAME]
    assert entry.task == TASK_NAME


def test_celery_task_and_management_command_run_the_tick(make_sequence, clock):
    from drip_plugin.tasks import tick as tick_task

    make_sequence(steps=[(0, "days", "One"), (0, "days", "Two")])
    track("signed_up", email="a@example.com")
    result = tick_task.apply().get()
    assert result == {"enrollments": 2, "sent": 2, "failed": 0, "retried": 0, "suppressed": 0, "dispatched": 0}
    track("signed_up", email="b@example.com")
    out = io.StringIO()
    call_command("drip_tick", stdout=out)
    assert out.getvalue().strip() == "enrollments advanced: 2, sent: 2, failed: 0, retry scheduled: 0, suppressed: 0"
    assert len(mail.outbox) == 4
