"""Batch sends: many distinct messages in one call to an ESP that takes them.

anymail sends one HTTP call per message (its Postmark backend uses
`/email/batch` only for one message with per-recipient merge data), which
leaves a sender waiting on one round trip per message. A `BatchSender`
posts up to `max_messages` distinct messages in one call and returns each
message's own outcome. It reuses the anymail backend for everything but the
call itself: the pre_send/post_send signals, the payload of each message
(tags, metadata, headers, tracking — what a single send would post) and
the parsing of each message's answer, so a batched message reaches the ESP
and drip's records exactly as a single send would.

Known for: Postmark (`/email/batch`, 500). Next candidates, same shape:
Mailjet's v3.1 Send API (50 messages per call) and Resend's `/emails/batch`
(100). Any other backend keeps one call per message (ThreadedHandOver).
"""
from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from urllib.parse import urljoin

from anymail.exceptions import AnymailRequestsAPIError
from anymail.message import AnymailStatus

from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

# One outcome per message: None (sent) or why it was not.
Outcomes = list[BaseException | None]


class BatchSender:
    """Sends distinct messages in one call through `backend`'s ESP."""

    max_messages: int

    def send(self, backend, messages: Sequence[EmailMessage]) -> Outcomes:
        """Send `messages` through the open anymail `backend`; raise only if
        the whole call failed (no message's outcome is known)."""
        raise NotImplementedError


class _Answer:
    """One message's part of a batch answer, shaped as the requests.Response
    the backend parses for a single send (the HTTP status a single send of
    that message would have had: Postmark answers an error with 422)."""

    def __init__(self, part: dict, response):
        self.part, self.reason, self.headers = part, response.reason, response.headers
        self.status_code = 200 if part.get("ErrorCode", 0) == 0 else 422
        self.text = json.dumps(part)

    def json(self):
        return self.part


class _BatchCall:
    """What anymail's post_to_esp needs of a payload, for the batch call."""

    def __init__(self, first, endpoint: str, body: str):
        self.first, self.endpoint, self.body = first, endpoint, body

    def get_request_params(self, api_url: str) -> dict:
        params = self.first.get_request_params(api_url)
        params.update(url=urljoin(api_url, self.endpoint), data=self.body)
        return params


class PostmarkBatchSender(BatchSender):
    """Postmark's `/email/batch`: up to 500 messages, answered with one
    result per message, in order (postmarkapp.com/developer/api/email-api)."""

    max_messages = 500
    endpoint = "email/batch"

    def send(self, backend, messages: Sequence[EmailMessage]) -> Outcomes:
        outcomes: Outcomes = [None] * len(messages)
        posted: list[tuple[int, object]] = []  # (index, payload) of each message in the call
        for index, message in enumerate(messages):
            try:
                payload = self._payload(backend, message)
            except Exception as exc:  # noqa: BLE001 - this message's own problem (anymail refused it)
                outcomes[index] = exc
                continue
            posted.append((index, payload))
        if not posted:
            return outcomes
        first_index, first = posted[0]
        body = first.serialize_json([payload.data for _, payload in posted])
        response = backend.post_to_esp(_BatchCall(first, self.endpoint, body), messages[first_index])
        parts = backend.deserialize_json_response(response, first, messages[first_index])
        if not isinstance(parts, list) or len(parts) != len(posted):
            raise AnymailRequestsAPIError("Postmark's batch answer does not have one result per message",
                                          email_message=messages[first_index], payload=first, response=response,
                                          backend=backend)
        for (index, payload), part in zip(posted, parts):
            outcomes[index] = self._settle(backend, messages[index], payload, _Answer(part, response))
        return outcomes

    @staticmethod
    def _payload(backend, message: EmailMessage):
        message.anymail_status = AnymailStatus()
        if not backend.run_pre_send(message):
            raise ValueError("an anymail pre_send receiver cancelled this message")
        payload = backend.build_message_payload(message, backend.send_defaults)
        if payload.get_api_endpoint() != "email":  # templates, merge data, the bulk API: not ours to batch
            raise ValueError(f"not a plain message (Postmark endpoint {payload.get_api_endpoint()!r})")
        return payload

    @staticmethod
    def _settle(backend, message: EmailMessage, payload, answer: _Answer) -> BaseException | None:
        """Record one message's answer as anymail's single send does."""
        try:
            message.anymail_status.esp_response = answer
            message.anymail_status.set_recipient_status(backend.parse_recipient_status(answer, payload, message))
            backend.run_post_send(message)
            backend.raise_for_recipient_status(message.anymail_status, answer, payload, message)
        except Exception as exc:  # noqa: BLE001 - this message's outcome, not the batch's
            return exc
        return None


# By anymail backend class path.
KNOWN: dict[str, type[BatchSender]] = {
    "anymail.backends.postmark.EmailBackend": PostmarkBatchSender,
}


@functools.cache
def batch_sender_for(backend_path: str) -> BatchSender | None:
    """The batch sender for messages sent through `backend_path`, if drip knows one."""
    for known, sender in KNOWN.items():
        if issubclass(import_string(backend_path), import_string(known)):
            return sender()
    return None
