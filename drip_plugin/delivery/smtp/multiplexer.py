"""The multiplexed hand-over: every SMTP connection driven by the calling
thread, each hand-over recorded at its commit point (see __init__.py)."""
from __future__ import annotations

import logging
import selectors
import smtplib
import time
from collections import deque
from collections.abc import Collection

from django.core.mail import get_connection

from ..handover import HandOver, HandOverAborted, OutcomeUnknown, Recorder, Send, close_quietly, is_own_failure
from . import dialogue

logger = logging.getLogger("drip_plugin.delivery")
ROUND_WAIT = 0.02  # seconds a send may wait at its commit point for others to join its round


class _Line:
    """One SMTP connection of a MultiplexedHandOver and the send on it."""

    def __init__(self, backend: dialogue.EmailBackend):
        self.backend = backend  # opened on first use, again after an error dropped it
        self.sock = None  # as registered with the selector while open
        self.replies: dialogue.ReplyReader | None = None  # on that socket
        self.send: Send | None = None
        self.dialogue: dialogue.Dialogue | None = None
        self.deadline = 0.0  # for the reply it waits for
        self.committed_at = 0.0  # when it reached the commit point
        self.marker_sent = False


class MultiplexedHandOver(HandOver):
    """Drip's SMTP backend, every connection driven by the calling thread.

    Threads cost more than they save here: each SMTP reply woke a sending
    thread that then had to win the GIL back from the rendering one, about
    1.5 ms of CPU per message in hand-offs (bench/RESULTS.md). Instead the
    calling thread writes each command, renders the next messages while the
    server answers, and moves each dialogue whose reply has arrived one step
    on (`service`). Up to `connections` more sends wait, rendered, to start
    the moment a connection is free."""

    def __init__(self, backend: str | None, connections: int, record: Recorder):
        super().__init__(connections, record)
        self.lines = [_Line(get_connection(backend)) for _ in range(self.size)]
        self.free = list(self.lines)
        self.queued: deque[tuple[Send, dialogue.Envelope]] = deque()
        self.waiting: set[_Line] = set()  # for a reply
        self.committing: list[_Line] = []  # at the commit point
        self.finished: list[Send] = []
        # Every open connection stays registered: one that turns readable
        # while idle was closed by the server.
        self.selector = selectors.DefaultSelector()

    def service(self, timeout: float | None = 0) -> None:
        if not self._round_due():
            self._wait_for_replies(timeout)
            # The next commands go out before the round is recorded (the wait
            # has just dropped idle connections the server closed).
            self._dispatch(look_for_closed=False)
            if not self._round_due():
                return
        committing, self.committing = self.committing, []
        done, self.finished = self.finished, []
        allowed: Collection[Send] = ()
        try:
            allowed = self._settle([line.send for line in committing], done)
        finally:
            self._answer(committing, allowed)
        self._dispatch()

    def _answer(self, committing: list[_Line], allowed: Collection[Send]) -> None:
        """Send the end-of-data marker of the allowed, abort the others —
        every one of them, even if the sender is stopped meanwhile."""
        stop: BaseException | None = None
        for line in committing:
            try:
                if stop is None and line.send in allowed:
                    line.marker_sent = True
                    self._step(line, None)
                elif line.send is not None:
                    self._finish(line, HandOverAborted())
            except BaseException as exc:  # noqa: BLE001 - raised below, once all are answered
                stop = stop or exc
                if line.send is not None and line not in self.waiting:  # interrupted before its step
                    self._finish(line, HandOverAborted())
        if stop is not None:
            raise stop

    def _round_due(self) -> bool:
        """Each round is a transaction, worth several sends: record once no
        connection waits for a reply (only recording moves anything then),
        or once a send has waited ROUND_WAIT at its commit point (a slow
        server on one connection holds up no other), or when stopping."""
        if not self.committing and not self.finished:
            return False
        return (self.closing or not self.waiting
                or bool(self.committing) and time.monotonic() - self.committing[0].committed_at >= ROUND_WAIT)

    def _has_room(self) -> bool:
        # Rendered sends wait for a connection; outcomes wait for their round.
        return len(self.queued) < self.size

    def _can_progress(self) -> bool:
        return bool(self.queued or self.waiting or self.committing or self.finished)

    def _stop_unsent(self) -> None:
        # Dropping the connection before the marker makes the server discard
        # the message; a send at the commit point is aborted by its round.
        # Only sends past their marker still wait for their reply.
        for line in self.lines:
            if line.send is not None and line not in self.committing and not (
                    line.marker_sent and line in self.waiting):
                self._finish(line, HandOverAborted())

    def _start(self, send: Send) -> None:
        # The message's bytes are made now, while it waits for a connection:
        # made once one is free, they would hold up every other connection's
        # next command (a tenth of a millisecond per message).
        try:
            envelope = dialogue.envelope(send.email)
        except BaseException as exc:  # noqa: BLE001 - see _fail
            own = is_own_failure(exc)
            send.error = exc if own else HandOverAborted()  # (a stop is not the message's fault)
            self.finished.append(send)
            if not own:
                raise
            return
        self.queued.append((send, envelope))
        self._dispatch()

    def _dispatch(self, look_for_closed: bool = True) -> None:
        """Start queued sends on free connections (when stopping: abort them)."""
        if look_for_closed and self.queued and self.free:
            self._drop_closed_idle_connections()
        while self.queued and (self.free or self.closing):
            send, envelope = self.queued.popleft()
            if self.closing:
                send.error = HandOverAborted()
                self.finished.append(send)
                continue
            line = self.free.pop()
            line.send = send
            try:
                line.dialogue = dialogue.mail_transaction(self._open(line), *envelope)
            except BaseException as exc:  # noqa: BLE001 - see _fail
                self._fail(line, exc)
                continue
            self._step(line, None)

    def _open(self, line: _Line) -> smtplib.SMTP:
        if line.sock is None:
            line.backend.open()
            line.sock = line.backend.connection.sock
            line.replies = dialogue.ReplyReader(line.sock)
            self.selector.register(line.sock, selectors.EVENT_READ, line)
        return line.backend.connection

    def _drop(self, line: _Line) -> None:
        """Close the socket without QUIT: the dialogue may be stuck in DATA,
        where QUIT would be read as message text."""
        if line.sock is not None:
            self.selector.unregister(line.sock)
            line.sock = line.replies = None
        smtp, line.backend.connection = line.backend.connection, None
        if smtp is not None:
            smtp.close()

    def _drop_closed_idle_connections(self) -> None:
        # (Replies ready on other connections stay ready: the selector is level-triggered.)
        for key, _ in self.selector.select(0):
            if key.data.send is None:  # asked nothing, yet readable: EOF, or "421" and then EOF
                self._drop(key.data)

    def _wait_for_replies(self, timeout: float | None) -> None:
        now, limits = time.monotonic(), [] if timeout is None else [timeout]
        if self.waiting:
            limits.append(min(line.deadline for line in self.waiting) - now)
        if self.committing:  # until its round is due
            limits.append(self.committing[0].committed_at + ROUND_WAIT - now)
        # (With nothing asked, a paced sender between two sends waits here.)
        for key, _ in self.selector.select(max(0.0, min(limits, default=0))):
            line = key.data
            if line in self.waiting:
                self._read(line)
            elif line.send is None:
                self._drop(line)  # idle, yet readable: closed by the server
            # (At the commit point the server has nothing to say before our
            # marker; whatever it did shows in the marker's reply.)
        now = time.monotonic()
        if expired := [line for line in self.waiting if line.deadline <= now]:
            # What came in at the last moment still counts: only silence, or a
            # reply still incomplete, times out.
            ready = {key.data for key, _ in self.selector.select(0)}
            for line in expired:
                if line in ready:
                    self._read(line)
                if line in self.waiting and line.deadline <= now:
                    self._finish(line, TimeoutError(
                        f"no whole reply from the SMTP server within {line.backend.timeout} s"))

    def _read(self, line: _Line) -> None:
        try:
            reply = line.replies.read()
        except BaseException as exc:  # noqa: BLE001 - see _fail
            self._fail(line, exc)
        else:
            if reply is not None:  # (else the rest of it is still on its way)
                self._step(line, reply)

    def _step(self, line: _Line, reply: tuple[int, bytes] | None) -> None:
        """Resume `line`'s dialogue with `reply` until it next waits."""
        while True:
            try:
                wants = line.dialogue.send(reply)
                # A reply that came early (the server does not wait to be
                # asked before a 421) is in already: no readable socket will say so.
                reply = line.replies.buffered() if wants == dialogue.REPLY else None
            except StopIteration:
                self._finish(line, None)
                return
            except BaseException as exc:  # noqa: BLE001 - see _fail
                self._fail(line, exc)
                return
            if wants == dialogue.COMMIT:
                self.waiting.discard(line)
                line.committed_at = time.monotonic()
                self.committing.append(line)
                return
            if reply is None:
                line.deadline = time.monotonic() + line.backend.timeout
                self.waiting.add(line)
                return

    def _fail(self, line: _Line, exc: BaseException) -> None:
        """End `line`'s send with `exc`, its own failure (smtplib's errors, a
        dropped connection, bad content); but an interrupt, a SystemExit or
        Celery's soft time limit stop the whole sender: the send ends unsent
        if it can (before its marker) and the exception goes on up."""
        if is_own_failure(exc):
            self._finish(line, exc)
            return
        self._finish(line, exc if line.marker_sent else HandOverAborted())
        raise exc

    def _finish(self, line: _Line, error: BaseException | None) -> None:
        send, dialogue = line.send, line.dialogue
        self.waiting.discard(line)
        if error is not None:
            # After the marker only a proper SMTP reply tells what the server did
            # (smtplib makes an unreadable one code -1).
            answered = isinstance(error, smtplib.SMTPResponseException) and 400 <= error.smtp_code < 600
            send.error = (OutcomeUnknown(f"{type(error).__name__}: {error}")
                          if line.marker_sent and not answered else error)
        # The bookkeeping first: an interrupt landing in the cleanup below
        # leaves no send untracked.
        line.send, line.dialogue, line.marker_sent = None, None, False
        self.free.append(line)
        self.finished.append(send)
        if dialogue is not None:
            dialogue.close()
        if error is not None:
            try:
                self._drop(line)
            except Exception:  # noqa: BLE001 - the send's own error is the one to report
                logger.warning("could not close a failed email connection", exc_info=True)

    def _close_connections(self) -> None:
        self.selector.close()
        for line in self.lines:
            close_quietly(line.backend)
