"""Drip's own SMTP engine: an optional part of delivery, chosen with

    DRIP_PLUGIN = {"EMAIL_BACKEND": "drip_plugin.delivery.smtp.EmailBackend"}

It takes Django's EMAIL_HOST / EMAIL_PORT / EMAIL_USE_TLS … settings as they
are; sent through Django's own API (`EmailMessage.send()`) it is Django's SMTP
backend. The outbox hands it messages through the same hand-over interface
as any backend (`delivery.handover.HandOver`: `submit`, `service`, `drain`,
`close`, and a `record(handing, done)` callback), and `open_hand_over` picks
the multiplexer for it.

- dialogue.py — one message's SMTP transaction as a resumable dialogue
  (MAIL, RCPT…, DATA, the dot-stuffed bytes; with PIPELINING, RFC 2920, when
  the server offers it: MAIL, every RCPT and DATA in one write, their replies
  read in order), the non-blocking reply reader, and the backend class.
- multiplexer.py — `MultiplexedHandOver`: the calling thread drives every
  connection's dialogue, rendering the next messages while servers answer.
- The MIME bytes come from `delivery.mime.DripEmailMessage.smtp_bytes()`
  (the email class every backend gets, so it stays in delivery/).

The commit-point protocol (why a crash never sends a message twice):

1. An SMTP server keeps a message only once it has read the end-of-data
   marker (RFC 5321 §4.1.1.4); a connection dropped before it delivers
   nothing. A dialogue therefore stops just before the marker and yields
   `COMMIT`.
2. The multiplexer collects the sends at their commit point (up to
   `ROUND_WAIT`, or until no connection waits for a reply) and calls
   `record(handing, done)` once: one transaction writes `handed_at` for each
   message whose sender still holds its lease, and the outcomes of finished
   sends. Only the sends `record` returns get their marker; the others are
   aborted (connection dropped, message re-queued, never sent).
3. A sender that dies before its round is recorded has delivered nothing:
   the lease expires and the message is sent again. One that dies after
   `handed_at` was written may have delivered: the message is never resent
   (outbox.py's reconcile). A connection that fails after the marker, before
   a proper reply, makes the outcome unknown (`OutcomeUnknown`): never retried.
4. Stopping (an interrupt, a registered interruption such as Celery's soft
   time limit) ends every send before its marker at once, unsent, and waits
   only for sends already past it.

With any other backend the outbox records the hand-over before the whole
dialogue (`ThreadedHandOver`) — safe, but a crash in that window leaves the
message's fate unknown.
"""
from .dialogue import EmailBackend
from .multiplexer import MultiplexedHandOver

__all__ = ["EmailBackend", "MultiplexedHandOver"]
