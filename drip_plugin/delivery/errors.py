"""Is a send failure worth retrying? ESP 5xx, timeouts and dropped
connections are; a 4xx, a refused recipient or bad content is not; an ESP
call that went out unanswered may have been accepted (esp_may_have_it)."""
from __future__ import annotations

import smtplib
import socket

from ..rendering import TemplateProblem


class ProviderRefused(Exception):
    """A channel's provider answered the call with an error: the message was
    not accepted. `transient` when trying again later may succeed (the
    provider was busy or rate-limited us)."""

    def __init__(self, reason: str, *, transient: bool):
        super().__init__(reason)
        self.transient = transient


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TemplateProblem):
        return False
    if isinstance(exc, ProviderRefused):
        return exc.transient
    try:
        from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
    except ImportError:  # anymail is a dependency, but keep SMTP-only hosts working
        AnymailAPIError = AnymailRecipientsRefused = ()  # noqa: N806
    if AnymailRecipientsRefused and isinstance(exc, AnymailRecipientsRefused):
        return False
    if AnymailAPIError and isinstance(exc, AnymailAPIError):
        status = getattr(exc, "status_code", None)
        return status is None or status >= 500 or status == 429
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code < 500  # SMTP 4xx are the temporary ones
    return isinstance(exc, (smtplib.SMTPServerDisconnected, TimeoutError, socket.timeout, ConnectionError, OSError))


def esp_may_have_it(exc: BaseException) -> bool:
    """An ESP's HTTP call that went out and got no answer (a read timeout, a
    connection dropped while waiting): the ESP may have accepted the message,
    so resending could deliver it twice. A call that never connected sent
    nothing. (anymail raises an error that is also the requests exception.)"""
    try:
        import requests
        from urllib3.exceptions import NewConnectionError
    except ImportError:  # no HTTP ESP backend installed
        return False
    if not isinstance(exc, requests.RequestException) or getattr(exc, "status_code", None) is not None:
        return False
    if isinstance(exc, requests.ConnectTimeout):
        return False
    return not (isinstance(exc, requests.ConnectionError) and any(
        isinstance(cause, NewConnectionError) for cause in _causes(exc)))


def _causes(exc: BaseException):
    """`exc` and what it wraps: its cause, requests' wrapped urllib3 error
    (its first argument) and urllib3's MaxRetryError.reason."""
    for _ in range(8):  # a short chain; never loop on a cycle
        if exc is None:
            return
        yield exc
        wrapped = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = exc.__cause__ or wrapped or getattr(exc, "reason", None)

