"""An anymail-compatible test backend that fails on cue, then behaves like
anymail's own test backend (filling mail.outbox)."""
from __future__ import annotations

import requests
from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused

# recipient → faults to raise, one per attempt: "5xx", "timeout", "4xx", "refused"
SCRIPT: dict[str, list[str]] = {}


def _fault(kind: str) -> Exception:
    if kind == "timeout":
        return TimeoutError("ESP did not answer in time")
    if kind == "refused":
        return AnymailRecipientsRefused("recipient refused: mailbox does not exist")
    # What anymail raises for an ESP's HTTP error: the response rides along.
    response = requests.Response()
    response.status_code, response.reason = (503, "Service Unavailable") if kind == "5xx" else (422, "Unprocessable")
    response._content = b'{"message": "invalid recipient"}' if kind == "4xx" else b"upstream down"
    return AnymailAPIError(f"ESP API response {response.status_code}", status_code=response.status_code,
                           response=response)


class FaultyBackend(AnymailTestBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            faults = SCRIPT.get(message.to[0])
            if faults:
                raise _fault(faults.pop(0))
        return super().send_messages(email_messages)
