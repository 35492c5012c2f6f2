"""Handing composed emails to the backend over several connections at once.

Most of a send is waiting: for the SMTP server's replies or the ESP's HTTP
response. A hand-over keeps up to `connections` sends in flight while the
calling thread renders the next messages, and never writes drip's rows
itself: `service()` records, in one `record(handing, done)` call, the sends
about to reach the server and the outcomes of finished ones, and lets go
only the sends that `record` returns.

- `ThreadedHandOver`, for any Django email backend: each send on its own
  thread and backend connection, recorded before the backend is called.
- `BatchedHandOver`, for an ESP that takes many distinct messages in one
  call (batch.py): up to ESP_BATCH_SIZE sends per call, recorded together
  before the call, each with its own outcome.
- `smtp.MultiplexedHandOver`, for drip's SMTP backend: the calling thread
  drives every connection's SMTP dialogue itself, and records each
  hand-over at the commit point, just before the end-of-data marker.
"""
from __future__ import annotations

import logging
import queue
import smtplib
import threading
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django import db
from django.core.mail import EmailMessage, get_connection

from ..extensions import is_interruption
from ..conf import drip_settings
from .batch import BatchSender, batch_sender_for

logger = logging.getLogger("drip_plugin.delivery")


class HandOverAborted(Exception):
    """This message's hand-over was not recorded (the sender stopped, or its
    lease ran out and the row is another sender's now); it was not sent."""


class OutcomeUnknown(Exception):
    """The connection failed after the end-of-data marker went out, before the
    server's reply: the server may have the message. Never retried."""


@dataclass(eq=False, kw_only=True)
class Send:
    email: EmailMessage
    error: BaseException | None = None
    # A ThreadedHandOver's sending thread waits on `committed` for its round's verdict.
    committed: threading.Event | None = None
    aborted: bool = False


# record(handing, done) -> the sends among `handing` that may go
Recorder = Callable[[list[Send], list[Send]], Collection[Send]]


def open_hand_over(backend: str | None, connections: int, record: Recorder) -> HandOver:
    """The hand-over for `backend`. Raises ImproperlyConfigured (an ESP without
    its API key…) here, before the caller claims anything, instead of failing
    every message."""
    probe = get_connection(backend)
    from .smtp import EmailBackend, MultiplexedHandOver  # (loaded already when the backend is ours)

    if isinstance(probe, EmailBackend):
        return MultiplexedHandOver(backend, connections, record)
    sender = batch_sender_for(f"{type(probe).__module__}.{type(probe).__qualname__}")
    if sender is not None and drip_settings.ESP_BATCH_SIZE > 1:
        return BatchedHandOver(backend, connections, record, sender, drip_settings.ESP_BATCH_SIZE)
    return ThreadedHandOver(backend, connections, record)


class HandOver:
    """What both hand-overs share: how many sends are in flight, and recording."""

    def __init__(self, connections: int, record: Recorder):
        """`record(handing, done)` persists, in one transaction, that `handing`
        are being handed over and the outcomes of `done`; it returns the
        sends of `handing` that may go. Every waiting send gets an answer:
        `service()` and `close()` release even the ones not recorded."""
        self.size, self.record = max(1, connections), record
        self.unrecorded: list[Send] = []  # outcomes of a round whose recording failed
        self.in_flight = 0
        self.closing = False

    def __enter__(self) -> HandOver:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def submit(self, send: Send) -> None:
        """Start sending once there is room (recording what finished meanwhile)."""
        while not self._has_room():
            self.service(timeout=None)
        self.in_flight += 1
        self._start(send)

    def drain(self) -> None:
        while self.in_flight:
            if not self._can_progress():
                # Only an interrupt landing between two steps of a send gets here.
                logger.warning("drip sender lost track of %s sends when it was interrupted; "
                               "the lease expiry will settle them", self.in_flight)
                self.in_flight = 0
                return
            self.service(timeout=None)

    def service(self, timeout: float | None = 0) -> None:
        """Record the waiting hand-overs and finished sends; wait up to
        `timeout` seconds for the first (None: until there is one)."""
        raise NotImplementedError

    def close(self) -> None:
        """Abort sends not yet handed over, wait for the others and record them."""
        self.closing = True
        try:
            self._stop_unsent()
            self.drain()
            if self.unrecorded:
                self._record_outcomes_if_possible(self.unrecorded)
        finally:
            self._close_connections()

    def _has_room(self) -> bool:
        return self.in_flight < self.size

    def _can_progress(self) -> bool:
        return True  # (sending threads always report)

    def _stop_unsent(self) -> None:
        """Stopping: end at once the sends that may still end unsent."""

    def _start(self, send: Send) -> None:
        raise NotImplementedError

    def _close_connections(self) -> None:
        raise NotImplementedError

    def _settle(self, handing: list[Send], done: list[Send]) -> Collection[Send]:
        """Record one round; returns the sends of `handing` that may go."""
        self.in_flight -= len(done)
        if self.closing:  # stopping: nothing more goes out; outcomes as far as they can be written
            self._record_outcomes_if_possible(done)
            return ()
        try:
            return self.record(handing, done)
        except BaseException:
            self.unrecorded.extend(done)  # tried again by close()
            raise

    def _record_outcomes_if_possible(self, done: list[Send]) -> None:
        try:
            self.record([], done)
        except Exception:  # noqa: BLE001 - the error that stopped the sender is already on its way up
            logger.exception("could not record the outcome of %s drip sends; the lease expiry will settle them",
                             len(done))


def is_own_failure(exc: BaseException) -> bool:
    """A send's own failure, not a stop of the whole sender (an interrupt,
    SystemExit, a registered interruption such as Celery's soft time limit)."""
    return not is_interruption(exc)


def close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - closing at the end is best effort
        logger.warning("could not close an email connection", exc_info=True)


class ThreadedHandOver(HandOver):
    """Each send on its own thread and backend connection; the hand-over is
    recorded before the backend is called."""

    def __init__(self, backend: str | None, connections: int, record: Recorder):
        super().__init__(connections, record)
        self.backend = backend
        self.pool = ThreadPoolExecutor(self.size, thread_name_prefix="drip-send")
        self.local = threading.local()
        self.opened: list = []
        self.events: queue.SimpleQueue = queue.SimpleQueue()

    def service(self, timeout: float | None = 0) -> None:
        handing: list[Send] = []
        allowed: Collection[Send] = ()
        try:
            try:
                events = [self.events.get(timeout=timeout) if timeout != 0 else self.events.get_nowait()]
            except queue.Empty:
                return
            while True:
                try:
                    events.append(self.events.get_nowait())
                except queue.Empty:
                    break
            # A batch's sends come as one event: recorded together, in one transaction.
            handing = [s for kind, group in events if kind == "commit" for s in group]
            allowed = self._settle(handing, [s for kind, group in events if kind == "done" for s in group])
        finally:
            # Whatever happened, no sending thread is left waiting; those not
            # allowed (the recording failed, the lease ran out) stay unsent.
            for send in handing:
                send.aborted = send not in allowed
                send.committed.set()

    def _start(self, send: Send) -> None:
        self._start_group([send])

    def _start_group(self, sends: list[Send]) -> None:
        committed = threading.Event()  # one verdict for the whole group
        for send in sends:
            send.committed = committed
        self.pool.submit(self._send, sends)

    def _close_connections(self) -> None:
        self.pool.shutdown(wait=True)
        for connection in self.opened:
            close_quietly(connection)

    def _connection(self):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = get_connection(self.backend)
            self.opened.append(connection)
        connection.open()  # no-op while open; reopens after an error closed it
        return connection

    def _send(self, sends: list[Send]) -> None:
        """Hand `sends` over in one go: commit point first, then the backend."""
        try:
            connection = self._connection()
            self.events.put(("commit", sends))
            sends[0].committed.wait()
            going = [send for send in sends if not send.aborted]
            for send in sends:
                if send.aborted:
                    send.error = HandOverAborted()
            if going:
                for send, outcome in zip(going, self._deliver(connection, going)):
                    send.error = outcome
        except BaseException as exc:  # reported to the calling thread, which decides
            for send in sends:
                send.error = send.error or exc
            try:
                self._reset_connection()
            except Exception:  # noqa: BLE001 - the send's own error is the one to report
                logger.warning("could not close a failed email connection", exc_info=True)
        finally:
            self.events.put(("done", sends))
            # A host's pre_send/post_send receiver may have used the database here.
            db.connections.close_all()

    def _deliver(self, connection, sends: list[Send]) -> list[BaseException | None]:
        """Send through the backend; each send's outcome (None: sent).
        Raises when no outcome is known."""
        (send,) = sends
        send.email.connection = connection
        if not send.email.send():
            raise smtplib.SMTPException("the email backend reported that it sent nothing")
        return [None]

    def _reset_connection(self) -> None:
        connection = getattr(self.local, "connection", None)
        smtp = getattr(connection, "connection", None)
        if isinstance(smtp, smtplib.SMTP):
            # Drop the socket without QUIT: the dialogue may be stuck in DATA,
            # where QUIT would be read as message text.
            smtp.close()
            connection.connection = None
        elif connection is not None:
            connection.close()


class BatchedHandOver(ThreadedHandOver):
    """Up to the ESP's batch size of sends in one call (delivery/batch.py),
    `connections` calls in flight. A batch is one hand-over: its sends are
    recorded at one commit point, before the call, and each gets its own
    outcome from the ESP's answer."""

    def __init__(self, backend: str | None, connections: int, record: Recorder, sender: BatchSender,
                 batch_size: int):
        super().__init__(backend, connections, record)
        self.sender, self.batch_size = sender, max(1, min(batch_size, sender.max_messages))
        self.pending: list[Send] = []  # submitted, waiting for their batch to fill

    def drain(self) -> None:
        self._flush()
        super().drain()

    def _has_room(self) -> bool:
        return self.in_flight < self.size * self.batch_size

    def _start(self, send: Send) -> None:
        self.pending.append(send)
        if len(self.pending) >= self.batch_size:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            batch, self.pending = self.pending, []
            self._start_group(batch)

    def _deliver(self, connection, sends: list[Send]) -> list[BaseException | None]:
        return self.sender.send(connection, [send.email for send in sends])
