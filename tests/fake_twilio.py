"""A local fake of Twilio's Messages API: the real `twilio` SDK (or raw
httpx posts, in the bench) is pointed at it with TWILIO_API_URL, so the
request Twilio would get is what tests assert. It answers as Twilio does
(201 and the message's JSON, or Twilio's error JSON); `fail_next` makes it
answer errors, `hold` keeps a request unanswered until released."""
from __future__ import annotations

import base64
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

MESSAGES_PATH = "/2010-04-01/Accounts/{sid}/Messages.json"


@dataclass
class Received:
    path: str
    form: dict[str, str]
    authorization: tuple[str, str]
    user_agent: str


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    received: list[Received] = field(default_factory=list)
    errors: list[tuple[int, int, str]] = field(default_factory=list)  # (HTTP status, Twilio code, message)
    hold: threading.Event | None = None  # set: requests wait until it is set again
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    url: str = ""

    def fail_next(self, status: int, code: int, message: str) -> None:
        self.errors.append((status, code, message))

    def answer(self, path: str, form: dict[str, str], authorization: tuple[str, str], user_agent: str
               ) -> tuple[int, dict]:
        if path != MESSAGES_PATH.format(sid=self.account_sid):
            return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
        if authorization != (self.account_sid, self.auth_token):
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        self.received.append(Received(path, form, authorization, user_agent))
        if self.errors:
            status, code, message = self.errors.pop(0)
            return status, {"code": code, "message": message, "status": status,
                            "more_info": f"https://www.twilio.com/docs/errors/{code}"}
        sid = f"SM{next(self.counter):032x}"
        return 201, {"sid": sid, "account_sid": self.account_sid, "to": form.get("To"), "from": form.get("From"),
                     "messaging_service_sid": form.get("MessagingServiceSid"), "body": form.get("Body"),
                     "status": "queued", "num_segments": "1", "direction": "outbound-api",
                     "uri": f"{MESSAGES_PATH.format(sid=self.account_sid)[:-5]}/{sid}.json"}


def serve(account_sid: str = "AC" + "0" * 32, auth_token: str = "fake-auth-token"):
    """Start a fake on a free local port; returns (fake, stop)."""
    fake = FakeTwilio(account_sid, auth_token)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's API
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall between

        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            form = {key: values[-1] for key, values in parse_qs(body).items()}
            scheme, _, credentials = (self.headers.get("Authorization") or "").partition(" ")
            user, _, password = base64.b64decode(credentials).decode().partition(":") if scheme == "Basic" else ("", "", "")
            if fake.hold is not None:
                fake.hold.wait()
            status, payload = fake.answer(self.path, form, (user, password), self.headers.get("User-Agent", ""))
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        if fake.hold is not None:
            fake.hold.set()
        server.shutdown()
        server.server_close()

    return fake, stop
