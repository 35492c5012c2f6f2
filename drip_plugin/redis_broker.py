"""kombu's Redis transport, made to survive a Redis restart in a worker.

With celery 5.7 / kombu 5.7 (redis-py 8.1 and 8.2 alike) a worker
whose connection to Redis drops while it holds prefetched, unacknowledged
tasks exits with ``Unrecoverable error: AttributeError("'NoneType' object has
no attribute 'hostname'")``. Celery tears the lost connection down twice
(``collect()``, then ``close()``): the first pass fails inside the channel's
close (Redis is gone) after which the transport forgets its connection
details; the second pass closes the channel again, and its attempt to put
the unacknowledged tasks back on Redis needs those details. The error is not
a connection error, so Celery does not reconnect: the worker stops.

Here that attempt is skipped once the connection is torn down; it could not
succeed anyway, the first pass having just failed for want of Redis. Tasks a
persistent Redis still holds in its unacked set are delivered again after
the visibility timeout, as kombu does for any restore that fails. Select it
with::

    CELERY_BROKER_TRANSPORT = "drip_plugin.redis_broker:Transport"  # the URL stays redis://…
"""
from __future__ import annotations

import logging

from kombu.transport import redis

logger = logging.getLogger("drip_plugin.redis_broker")


class QoS(redis.QoS):
    def restore_unacked(self, client=None):
        if client is None and self.channel.connection.client is None:
            logger.warning("broker connection already closed: %s unacknowledged message(s) left to Redis's "
                           "visibility timeout", len(self._delivered))
            self._delivered.clear()
            return
        return super().restore_unacked(client)


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
