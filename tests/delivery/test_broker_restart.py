"""Issue 15, point 1: a Redis restart while a real Celery worker is sending;
the same worker process reconnects and goes on sending.

With celery 5.7 / kombu 5.7 / redis-py 8.2 the worker used to exit
("Unrecoverable error: AttributeError(\"'NoneType' object has no attribute
'hostname'\")") when the connection dropped while it held prefetched,
unacknowledged tasks: closing the dead connection tried to put them back on
a broker connection it had already torn down."""
from __future__ import annotations

import collections

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from drip_plugin import track
from drip_plugin.engine import advance_due_enrollments
from drip_plugin.models import Message
from drip_plugin.scheduling.beat import TASK_NAME
from tests.factories import build_sequence

from .services import CeleryProcess, Hold, RedisServer, wait_for

FIRST, SECOND = 8, 5


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def queue_messages(start: int, count: int) -> None:
    for i in range(start, start + count):
        track("signed_up", email=f"b{i}@example.com")
    advance_due_enrollments(timezone.now(), 500)


def worker_env(redis_server: RedisServer, smtp_port: int) -> dict[str, str]:
    env = {"DRIP_WORKER_DB_NAME": str(connection.settings_dict["NAME"]), "DRIP_WORKER_BROKER": redis_server.url,
           "DRIP_WORKER_SMTP_PORT": str(smtp_port),
           "DRIP_TEST_DB": "sqlite" if connection.vendor == "sqlite" else "postgres"}
    if connection.vendor == "postgresql":
        env["DRIP_WORKER_DB_PORT"] = str(connection.settings_dict["PORT"])
    return env


def publish_tick(redis_server: RedisServer) -> None:
    with Celery(broker=redis_server.url) as app:
        app.send_task(TASK_NAME)


@pytest.mark.django_db(transaction=True)
def test_point1_redis_restart_mid_send_worker_reconnects_and_sends_without_restart(
        redis_server, smtp_sink, settings, tmp_path):
    build_sequence(steps=[(0, "days", "Hello {{ contact.first_name }}")])
    queue_messages(0, FIRST)
    worker = CeleryProcess(tmp_path / "worker.log", "worker", "--pool", "prefork", "--concurrency", "1",
                           "--without-mingle", "--without-gossip", "-n", f"restart-{redis_server.port}@%h",
                           env=worker_env(redis_server, settings.EMAIL_PORT))
    # The sink keeps its reply to the first message: the worker's pool
    # process is mid-send while Redis goes away.
    hold = Hold(smtp_sink)
    try:
        seen = worker.wait_for_output("ready.")
        hold.at = 1
        publish_tick(redis_server)
        wait_for(hold.held.is_set, "the first message at the sink")
        # Two more ticks wait in the worker, prefetched and not acknowledged.
        publish_tick(redis_server)
        publish_tick(redis_server)
        wait_for(lambda: redis_server.client().hlen("unacked") == 2, "two unacknowledged ticks in the worker")

        redis_server.stop()
        seen = worker.wait_for_output("Connection to broker lost", seen)
        redis_server.start()
        hold.release()
        reconnected = worker.wait_for_output("Connected to ", seen)

        wait_for(lambda: len(smtp_sink.messages) == FIRST, "the batch held at the restart, sent")
        queue_messages(FIRST, SECOND)
        publish_tick(redis_server)
        wait_for(lambda: len(smtp_sink.messages) == FIRST + SECOND, "messages queued after the restart, sent")

        assert worker.process.poll() is None, "the worker never exited"
        received_after = [line for line in worker.output()[reconnected:].splitlines() if "received" in line]
        assert received_after and all(f"MainProcess pid={worker.pid}]" in line for line in received_after), \
            "ticks after the restart were taken by the worker process started before it"
        assert "Unrecoverable error" not in worker.output()
        ids = collections.Counter(smtp_sink.message_ids())
        assert len(ids) == FIRST + SECOND and set(ids.values()) == {1}, "each message once"
        assert set(Message.objects.values_list("status", flat=True)) == {"sent"}
    finally:
        hold.release()
        worker.stop()
