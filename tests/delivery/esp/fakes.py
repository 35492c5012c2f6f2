"""Local fakes of five ESPs' send APIs, for anymail's real backends.

Each fake records every request and answers as the ESP documents it: its
success body (so anymail parses the message id) and, for what breaks one of
the ESP's documented per-message limits, the ESP's error response. A drip
regression (two tags to Postmark, four to Mailgun…) then fails as it would
in production, not only in anymail's client-side checks.
"""
from __future__ import annotations

import base64
import email
import email.policy
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    message_id: str | None = None  # the id the fake answered with, if it accepted the message

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        """The fields of a form post (urlencoded or multipart), each with all its values."""
        content_type = self.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            parsed = email.message_from_bytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + self.body, policy=email.policy.HTTP)
            fields: dict[str, list[str]] = {}
            for part in parsed.iter_parts():
                name = part.get_param("name", header="content-disposition")
                fields.setdefault(name, []).append(part.get_content())
            return fields
        return parse_qs(self.body.decode(), keep_blank_values=True)


@dataclass
class Answer:
    status: int
    body: object = None  # JSON-serialised; None: empty body
    headers: dict[str, str] = field(default_factory=dict)


class FakeEsp:
    """One ESP's send endpoint: `answer(request)` checks the ESP's limits."""

    api_path = "/"

    def __init__(self, latency: float = 0.0):
        self.requests: list[Request] = []
        self.refused: list[tuple[Request, Answer]] = []
        self.latency = latency  # seconds each answer takes (benches: a real ESP's round trip)
        self._server: ThreadingHTTPServer | None = None

    # --- to override
    def problem(self, request: Request) -> Answer | None:
        """The ESP's error answer when `request` breaks one of its limits."""
        return None

    def success(self, request: Request) -> Answer:
        raise NotImplementedError

    def recipient(self, request: Request) -> str:
        raise NotImplementedError

    def request_to(self, address: str) -> Request:
        """The accepted request for `address` (sends run concurrently: in any order)."""
        (request,) = [r for r in self.requests if self.recipient(r) == address]
        return request

    # --- the server
    def answer(self, request: Request) -> Answer:
        if request.method != "POST" or not request.path.startswith(self.api_path):
            return Answer(404, {"message": f"no route {request.method} {request.path}"})
        refusal = self.problem(request)
        if refusal is not None:
            self.refused.append((request, refusal))
            return refusal
        self.requests.append(request)
        return self.success(request)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeEsp:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as ESPs answer

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                request = Request("POST", self.path, {k.lower(): v for k, v in self.headers.items()},
                                  self.rfile.read(length))
                answer = fake.answer(request)
                if fake.latency:
                    time.sleep(fake.latency)
                self.reply(answer)

            def reply(self, answer: Answer) -> None:
                body = b"" if answer.body is None else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                for name, value in {"Content-Type": "application/json", **answer.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # quiet: pytest shows failures, not access logs
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()


class FakePostmark(FakeEsp):
    """POST /email (postmarkapp.com/developer/api/email-api): one `Tag` string
    per message; `Metadata` up to 10 fields, names ≤ 20 and values ≤ 80 characters.
    POST /email/batch: up to 500 such messages, answered 200 with one result
    per message, in order (an error result for each one refused). Addresses
    in `inactive` (hard-bounced earlier) are refused with ErrorCode 406."""

    api_path = "/email"
    BATCH_PATH = "/email/batch"

    def __init__(self, latency: float = 0.0):
        super().__init__(latency)
        self.inactive: set[str] = set()
        self.batches: list[int] = []  # messages per accepted /email/batch call
        # Called with the batch's size once its messages are taken, before the answer.
        self.on_batch: Callable[[int], None] | None = None

    def answer(self, request):
        if request.path != self.BATCH_PATH:
            return super().answer(request)
        if not request.headers.get("x-postmark-server-token"):
            return self.problem(request)
        messages = request.json()
        if not isinstance(messages, list) or len(messages) > 500:
            return Answer(422, {"ErrorCode": 402, "Message": "Received invalid JSON input."})
        self.batches.append(len(messages))
        results = [self.answer(Request(request.method, "/email", request.headers, json.dumps(m).encode())).body
                   for m in messages]
        if self.on_batch:
            self.on_batch(len(messages))
        return Answer(200, results)

    def problem(self, request):
        if not request.headers.get("x-postmark-server-token"):
            return Answer(401, {"ErrorCode": 10, "Message": "No Account or Server API tokens were supplied in "
                                "the HTTP headers. Please add a header for either X-Postmark-Server-Token or "
                                "X-Postmark-Account-Token."})
        data = request.json()
        if "Tag" in data and not isinstance(data["Tag"], str):  # one tag, a string: no list
            return Answer(422, {"ErrorCode": 402, "Message": "Received invalid JSON input."})
        if len(data.get("Tag", "")) > 1000:
            return Answer(422, {"ErrorCode": 300, "Message": "Invalid 'Tag' value: tags are limited to 1000 characters."})
        metadata = data.get("Metadata", {})
        if len(metadata) > 10 or any(len(k) > 20 or len(str(v)) > 80 for k, v in metadata.items()):
            return Answer(422, {"ErrorCode": 300, "Message": "Invalid metadata content. Metadata is limited to 10 "
                                "fields, field names to 20 characters and values to 80 characters."})
        inactive = sorted(a for a in self.inactive if a in data["To"])
        if inactive:
            return Answer(422, {"ErrorCode": 406, "Message": "You tried to send to recipient(s) that have been "
                                f"marked as inactive. Found inactive addresses: {', '.join(inactive)}. Inactive "
                                "recipients are ones that have generated a hard bounce, a spam complaint, or a "
                                "manual suppression."})
        return None

    def success(self, request):
        request.message_id = str(uuid.uuid4())
        return Answer(200, {"To": request.json()["To"], "SubmittedAt": "2026-03-02T09:00:00.0000000Z",
                            "MessageID": request.message_id, "ErrorCode": 0, "Message": "OK"})

    def recipient(self, request):
        return request.json()["To"]


class FakeSendGrid(FakeEsp):
    """POST /v3/mail/send (SendGrid v3 Mail Send): at most 10 `categories`,
    each ≤ 255 characters; `custom_args` ≤ 10,000 bytes in all."""

    api_path = "/v3/mail/send"

    @staticmethod
    def error(message: str, field_name: str) -> Answer:
        return Answer(400, {"errors": [{"message": message, "field": field_name, "help": None}]})

    def problem(self, request):
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return Answer(401, {"errors": [{"field": None, "help": None,
                                            "message": "The provided authorization grant is invalid, expired, or revoked"}]})
        data = request.json()
        categories = data.get("categories", [])
        if len(categories) > 10:
            return self.error("Too many categories. A maximum of 10 categories may be assigned to an email.",
                              "categories")
        if any(len(c) > 255 for c in categories):
            return self.error("A category cannot be more than 255 characters.", "categories")
        for where in [data, *data.get("personalizations", [])]:
            if len(json.dumps(where.get("custom_args", {})).encode()) > 10_000:
                return self.error("The custom_args exceed the 10,000 byte limit.", "custom_args")
        return None

    def success(self, request):
        # SendGrid answers with an empty body; anymail tracks its own id, sent in custom_args.
        (personalization,) = request.json()["personalizations"]
        request.message_id = personalization["custom_args"]["anymail_id"]
        return Answer(202, None, {"X-Message-Id": uuid.uuid4().hex[:22]})


    def recipient(self, request):
        return request.json()["personalizations"][0]["to"][0]["email"]


class FakeMailgun(FakeEsp):
    """POST /v3/<domain>/messages: at most 3 `o:tag` per message, each ≤ 128
    ASCII characters; custom variables (`v:`) ≤ 4 KB in all."""

    api_path = "/v3/"

    def problem(self, request):
        if not request.headers.get("authorization", "").startswith("Basic "):
            return Answer(401, {"message": "Invalid private key"})
        if not re.fullmatch(r"/v3/[^/]+/messages", request.path):
            return Answer(404, {"message": "Not Found"})
        form = request.form()
        tags = form.get("o:tag", [])
        if len(tags) > 3:
            return Answer(400, {"message": "Too many tags: a message may have at most 3 tags"})
        if any(len(t) > 128 or not t.isascii() for t in tags):
            return Answer(400, {"message": "Invalid tag: tags are ASCII, at most 128 characters"})
        variables = sum(len(k.encode()) - 2 + len(v.encode())
                        for k, values in form.items() if k.startswith("v:") for v in values)
        if variables > 4096:
            return Answer(400, {"message": "Custom variables exceed the 4 KB limit"})
        return None

    def success(self, request):
        request.message_id = f"<{uuid.uuid4().hex}@{request.path.split('/')[2]}>"
        return Answer(200, {"id": request.message_id, "message": "Queued. Thank you."})


    def recipient(self, request):
        return request.form()["to"][0]


class FakeBrevo(FakeEsp):
    """POST /v3/smtp/email (Brevo transactional API): custom header values,
    `X-Mailin-custom` (anymail's metadata) among them, are ASCII."""

    api_path = "/v3/smtp/email"

    def problem(self, request):
        if not request.headers.get("api-key"):
            return Answer(401, {"code": "unauthorized", "message": "Key not found"})
        data = request.json()
        for name, value in data.get("headers", {}).items():
            if not str(value).isascii():
                return Answer(400, {"code": "invalid_parameter", "message": f"Header {name} must be ASCII"})
        if not all(isinstance(tag, str) for tag in data.get("tags", [])):
            return Answer(400, {"code": "invalid_parameter", "message": "tags should be an array of strings"})
        return None

    def success(self, request):
        request.message_id = f"<{uuid.uuid4().hex}@smtp-relay.mailin.fr>"
        return Answer(201, {"messageId": request.message_id})


    def recipient(self, request):
        return request.json()["to"][0]["email"]


SES_TAG_PART = re.compile(r"[A-Za-z0-9_-]{1,256}")


class FakeAmazonSes(FakeEsp):
    """SES v2 SendEmail (POST /v2/email/outbound-emails, boto3 "sesv2"):
    `EmailTags` names and values are ASCII letters, digits, "_" and "-",
    at most 256 characters; errors are BadRequestException."""

    api_path = "/v2/email/outbound-emails"

    @staticmethod
    def bad_request(message: str) -> Answer:
        return Answer(400, {"message": message}, {"x-amzn-ErrorType": "BadRequestException"})

    def problem(self, request):
        if "aws4-hmac-sha256" not in request.headers.get("authorization", "").lower():
            return Answer(403, {"message": "Missing Authentication Token"},
                          {"x-amzn-ErrorType": "MissingAuthenticationTokenException"})
        for tag in request.json().get("EmailTags", []):
            if not (SES_TAG_PART.fullmatch(tag["Name"]) and SES_TAG_PART.fullmatch(tag["Value"])):
                return self.bad_request("Invalid tag: names and values may only contain ASCII letters, "
                                        "numbers, underscores and dashes, at most 256 characters.")
        return None

    def success(self, request):
        request.message_id = f"0100{uuid.uuid4().hex}-000000"
        return Answer(200, {"MessageId": request.message_id})

    def recipient(self, request):
        return request.json()["Destination"]["ToAddresses"][0]

    @staticmethod
    def raw_message(request: Request) -> EmailMessage:
        raw = base64.b64decode(request.json()["Content"]["Raw"]["Data"])
        return email.message_from_bytes(raw, policy=email.policy.default)
