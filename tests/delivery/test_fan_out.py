"""Issue 23, point 3: with SEND_IN_WORKERS the tick claims due messages and
queues one send task per claim; two real Celery worker processes share the
sending, and each message reaches the SMTP sink once — a second tick (a
second beat) running at the same time included."""
from __future__ import annotations

import collections
import json
import re

import pytest

from drip_plugin.models import Message
from tests.factories import build_sequence

from .services import CeleryProcess, wait_for
from .test_broker_restart import publish_tick, queue_messages, redis_server, worker_env  # noqa: F401 (fixture)

MESSAGES, BATCH = 40, 5
SENT_BY_TASK = re.compile(r"drip_plugin\.tasks\.send_batch\[[^\]]+\] succeeded in [\d.]+s: \{'sent': (\d+)")


@pytest.mark.django_db(transaction=True)
def test_point3_two_workers_split_the_sent_messages_and_send_each_once(redis_server, smtp_sink, settings, tmp_path):
    build_sequence(steps=[(0, "days", "Hello {{ contact.first_name }}")])
    queue_messages(0, MESSAGES)
    env = {**worker_env(redis_server, settings.EMAIL_PORT),
           "DRIP_WORKER_PLUGIN": json.dumps({"SEND_IN_WORKERS": True, "BATCH_SIZE": BATCH})}
    workers = [CeleryProcess(tmp_path / f"worker{n}.log", "worker", "--pool", "prefork", "--concurrency", "1",
                             "--prefetch-multiplier", "1", "--without-mingle", "--without-gossip",
                             "-n", f"fan-out{n}-{redis_server.port}@%h", env=env)
               for n in (1, 2)]
    # Each worker process takes one task at a time (prefetch 1): with 8
    # send tasks, the one that is free takes the next.
    try:
        for worker in workers:
            worker.wait_for_output("ready.")
        publish_tick(redis_server)
        publish_tick(redis_server)  # a second beat's tick, at the same time: harmless
        wait_for(lambda: Message.objects.filter(status="sent").count() == MESSAGES, "every message sent")
        wait_for(lambda: sum(sent_by(workers)) == MESSAGES, "every send task's result in the workers' logs")
        sent_by_worker = sent_by(workers)
    finally:
        for worker in workers:
            worker.stop()

    assert all(sent > 0 for sent in sent_by_worker), f"both workers sent: {sent_by_worker}"
    assert sum(sent_by_worker) == MESSAGES
    ids = collections.Counter(smtp_sink.message_ids())
    assert len(ids) == MESSAGES and set(ids.values()) == {1}, "every message reached the sink exactly once"
    assert collections.Counter(Message.objects.values_list("status", flat=True)) == {"sent": MESSAGES}


def sent_by(workers: list[CeleryProcess]) -> list[int]:
    """How many messages each worker's send tasks reported sent (from its log)."""
    return [sum(map(int, SENT_BY_TASK.findall(worker.output()))) for worker in workers]
