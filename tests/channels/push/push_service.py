"""A local Web Push service (RFC 8030) for pywebpush to talk to.

Each browser it makes has its own endpoint and key pair (generated here,
as a browser would); a POST to an endpoint is checked as a push service
checks it: the VAPID token (RFC 8292: `Authorization: vapid t=<JWT>,k=<key>`,
an ES256 JWT signed by the shop's key, for this service's origin, not
expired), the TTL header and the 4096-byte limit. The body is then
DECRYPTED with http_ece (aes128gcm, RFC 8188) using that browser's private
key and auth secret: `received` holds what the browser would get.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """One browser's subscription: its endpoint, keys, and what it answers."""
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    status: int = 201  # the push service's answer to the next pushes: 201, 404, 410, 500…

    def subscription_json(self) -> dict:
        """What `PushSubscription.toJSON()` gives the page."""
        public = self.private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                            serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": {"p256dh": b64url(public),
                                                                          "auth": b64url(self.auth)}}


@dataclass
class Push:
    endpoint: str
    payload: dict  # the decrypted JSON, as the service worker reads it
    claims: dict  # the VAPID JWT's claims
    headers: dict
    encrypted_size: int
    location: str = ""  # the message's URL the service answered with (RFC 8030 §5)


@dataclass
class Refusal:
    endpoint: str
    status: int
    reason: str


@dataclass
class LocalPushService:
    vapid_public_key: str  # the shop's, base64url: tokens signed by another key are refused
    browsers: dict[str, Browser] = field(default_factory=dict)
    received: list[Push] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    url: str = ""

    def new_browser(self) -> Browser:
        token = secrets.token_urlsafe(16)
        browser = Browser(endpoint=f"{self.url}/wpush/{token}", private_key=ec.generate_private_key(ec.SECP256R1()),
                          auth=os.urandom(16))
        self.browsers[token] = browser
        return browser

    def pushes_to(self, browser: Browser) -> list[dict]:
        return [push.payload for push in self.received if push.endpoint == browser.endpoint]

    def check(self, browser: Browser, headers: dict, body: bytes) -> tuple[int, str, Push | None]:
        """(status, reason, push): as a push service answers this request."""
        scheme, _, params = headers.get("authorization", "").partition(" ")
        parts = dict(item.split("=", 1) for item in params.split(",") if "=" in item)
        if scheme.lower() != "vapid" or not {"t", "k"} <= set(parts):
            return 401, "no VAPID authorization (vapid t=…, k=…)", None
        if parts["k"] != self.vapid_public_key:
            return 403, "the VAPID key is not the one this subscription was made with", None
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
        try:
            claims = jwt.decode(parts["t"], key, algorithms=["ES256"], audience=self.url,
                                options={"require": ["aud", "exp", "sub"]})
        except jwt.InvalidTokenError as exc:
            return 403, f"bad VAPID token: {exc}", None
        if claims["exp"] > time.time() + 24 * 3600:  # RFC 8292 §2: at most 24 hours ahead
            return 403, "VAPID token expires more than 24 hours ahead", None
        if "ttl" not in headers:
            return 400, "no TTL header", None
        if len(body) > 4096:
            return 413, f"payload of {len(body)} bytes, over 4096", None
        if headers.get("content-encoding") != "aes128gcm":
            return 415, "not aes128gcm", None
        plain = http_ece.decrypt(body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm")
        return browser.status, "", Push(endpoint=browser.endpoint, payload=json.loads(plain), claims=claims,
                                        headers=headers, encrypted_size=len(body))

    def start(self) -> LocalPushService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                browser = service.browsers.get(self.path.rsplit("/", 1)[-1])
                if browser is None:
                    status, reason, push = 404, "no such subscription", None
                else:
                    status, reason, push = service.check(browser, {k.lower(): v for k, v in self.headers.items()},
                                                         body)
                if push is not None and status == 201:
                    push.location = f"{service.url}/wmsg/{secrets.token_urlsafe(8)}"
                    service.received.append(push)
                elif status != 201:
                    service.refused.append(Refusal(browser.endpoint if browser else self.path, status, reason))
                self.send_response(status)
                if status == 201:
                    self.send_header("Location", push.location)
                self.send_header("Content-Length", str(len(reason.encode())))
                self.end_headers()
                self.wfile.write(reason.encode())

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
