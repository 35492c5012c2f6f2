"""Is a send failure worth retrying? ESP 5xx, timeouts and dropped
connections are; a 4xx, a refused recipient or bad content is not."""
from __future__ import annotations

import smtplib
import socket

from ..rendering import TemplateProblem


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TemplateProblem):
        return False
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
