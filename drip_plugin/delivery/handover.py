"""Handing composed emails to the backend over several connections at once.

Most of a send is waiting: for the SMTP server's replies or the ESP's HTTP
response. `HandOver` keeps up to `connections` sends in flight, each on its
own thread and backend connection, while the calling thread renders the
next messages. Sending threads never write drip's rows: they ask the calling
thread to record each hand-over before the message can reach the server
(`_commit`) and report each outcome; `service()` records everything waiting
in one `record(handing, done)` call, which returns the sends that may go.
"""
from __future__ import annotations

import logging
import queue
import smtplib
import threading
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django import db
from django.core.mail import EmailMessage, get_connection

from .smtp import CommitPointConnection

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
    committed: threading.Event = field(default_factory=threading.Event)
    aborted: bool = False
    error: BaseException | None = None


# record(handing, done) -> the sends among `handing` that may go
Recorder = Callable[[list[Send], list[Send]], Collection[Send]]


class HandOver:
    def __init__(self, backend: str | None, connections: int, record: Recorder):
        """`record(handing, done)` persists, in one transaction, that `handing`
        are being handed over and the outcomes of `done`; it returns the
        sends of `handing` that may go. Every waiting send gets an answer:
        `service()` and `close()` release even the ones not recorded."""
        # Raises ImproperlyConfigured (an ESP without its API key…) here, before
        # the caller claims anything, instead of failing every message.
        get_connection(backend)
        self.backend, self.size, self.record = backend, max(1, connections), record
        self.unrecorded: list[Send] = []  # outcomes of a round whose recording failed
        self.pool = ThreadPoolExecutor(self.size, thread_name_prefix="drip-send")
        self.local = threading.local()
        self.opened: list = []
        self.events: queue.SimpleQueue = queue.SimpleQueue()
        self.in_flight = 0
        self.closing = False

    def __enter__(self) -> HandOver:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def submit(self, send: Send) -> None:
        """Start sending once a connection is free (recording what finished meanwhile)."""
        while self.in_flight >= self.size:
            self.service(timeout=None)
        self.pool.submit(self._send, send)
        self.in_flight += 1

    def drain(self) -> None:
        while self.in_flight:
            self.service(timeout=None)

    def service(self, timeout: float | None = 0) -> None:
        """Record the waiting hand-overs and finished sends; wait up to
        `timeout` seconds for the first (None: until there is one)."""
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
            handing = [s for kind, s in events if kind == "commit"]
            done = [s for kind, s in events if kind == "done"]
            self.in_flight -= len(done)
            if self.closing:  # stopping: nothing more goes out; outcomes as far as they can be written
                self._record_outcomes_if_possible(done)
            else:
                try:
                    allowed = self.record(handing, done)
                except BaseException:
                    self.unrecorded.extend(done)  # tried again by close()
                    raise
        finally:
            # Whatever happened, no sending thread is left waiting; those not
            # allowed (the recording failed, the lease ran out) stay unsent.
            for send in handing:
                send.aborted = send not in allowed
                send.committed.set()

    def _record_outcomes_if_possible(self, done: list[Send]) -> None:
        try:
            self.record([], done)
        except Exception:  # noqa: BLE001 - the error that stopped the sender is already on its way up
            logger.exception("could not record the outcome of %s drip sends; the lease expiry will settle them",
                             len(done))

    def close(self) -> None:
        """Abort sends not yet handed over, wait for the others and record them."""
        self.closing = True
        try:
            self.drain()
            if self.unrecorded:
                self._record_outcomes_if_possible(self.unrecorded)
        finally:
            self.pool.shutdown(wait=True)
            for connection in self.opened:
                try:
                    connection.close()
                except Exception:  # noqa: BLE001 - closing at the end is best effort
                    logger.warning("could not close an email connection", exc_info=True)

    def _commit(self, send: Send) -> None:
        self.events.put(("commit", send))
        send.committed.wait()
        if send.aborted:
            raise HandOverAborted()

    def _connection(self):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = get_connection(self.backend)
            self.opened.append(connection)
        connection.open()  # no-op while open; reopens after an error closed it
        return connection

    def _send(self, send: Send) -> None:
        smtp: CommitPointConnection | None = None  # set when the connection offers a commit point
        try:
            connection = self._connection()
            send.email.connection = connection
            if isinstance(getattr(connection, "connection", None), CommitPointConnection):
                smtp = connection.connection
                smtp.marker_sent = False
                smtp.commit_point = lambda: self._commit(send)
            else:
                self._commit(send)
            if not send.email.send():
                raise smtplib.SMTPException("the email backend reported that it sent nothing")
        except BaseException as exc:  # reported to the calling thread, which decides
            marker_sent = smtp is not None and smtp.marker_sent
            send.error = (OutcomeUnknown(f"{type(exc).__name__}: {exc}")
                          if marker_sent and not isinstance(exc, smtplib.SMTPResponseException) else exc)
            try:
                self._reset_connection()
            except Exception:  # noqa: BLE001 - the send's own error is the one to report
                logger.warning("could not close a failed email connection", exc_info=True)
        finally:
            if smtp is not None:
                smtp.commit_point = None
            self.events.put(("done", send))
            # A host's pre_send/post_send receiver may have used the database here.
            db.connections.close_all()

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
