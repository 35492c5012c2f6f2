"""A fake Saleor: real RSA keys, a JWKS and GraphQL endpoint over HTTP, and
webhooks signed byte-for-byte the way Saleor signs them
(saleor/webhook/transport/utils.py: PyJWT detached JWS, RS256, b64=false)."""
from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt import api_jws
from jwt.algorithms import RSAAlgorithm
from jwt.utils import base64url_encode


class FakeSaleor:
    def __init__(self) -> None:
        self.jwks_fetches = 0  # requests for the JWKS, answered or not
        self.jwks_down = False  # answer the JWKS with a 503
        # Cleared: a JWKS request waits until it is set (holds a fetch in flight).
        self.jwks_gate = threading.Event()
        self.jwks_gate.set()
        self.graphql_calls = 0
        self.authorizations: list[str] = []  # the Authorization header of each GraphQL call
        self.app_token = secrets.token_urlsafe(16)
        self.rotate_key()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.api_url = f"http://127.0.0.1:{self._server.server_port}/graphql/"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def rotate_key(self) -> None:
        """A new signing key; the JWKS serves only the new one from now on."""
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def sign(self, body: bytes) -> str:
        """As Saleor signs: its PyJWT (2.10) writes no `crit` (see signatures.py)."""
        header = {"alg": "RS256", "b64": False, "kid": self.kid, "typ": "JWT"}
        encoded = base64url_encode(json.dumps(header, separators=(",", ":")).encode())
        signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(encoded + b"." + body, self._key)
        return f"{encoded.decode()}..{base64url_encode(signature).decode()}"

    def sign_with_crit(self, body: bytes) -> str:
        """As newer PyJWT signs: with `"crit": ["b64"]`."""
        return api_jws.encode(body, self._key, algorithm="RS256", headers={"kid": self.kid, "b64": False},
                              is_payload_detached=True)

    def sign_token(self, claims: dict) -> str:
        """An ordinary JWT with the webhook key, like Saleor's customer access tokens."""
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def register(self, client, token: str | None = None):
        """What the Saleor dashboard does when the app is installed."""
        return client.post("/saleor/register/", data=json.dumps({"auth_token": token or self.app_token}),
                           content_type="application/json", headers={"Saleor-Api-Url": self.api_url})

    def deliver(self, client, event: str, payload: dict | bytes, *, signature: str | None = None):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return client.generic("POST", "/saleor/webhook/", data=body, content_type="application/json", headers={
            "Saleor-Event": event.lower(), "Saleor-Domain": "127.0.0.1", "Saleor-Api-Url": self.api_url,
            "Saleor-Signature": self.sign(body) if signature is None else signature})

    def _handler(self):
        saleor = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _json(self, data: dict, status: int = 200) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                if self.path == "/.well-known/jwks.json":
                    saleor.jwks_fetches += 1
                    saleor.jwks_gate.wait(timeout=60)
                    if saleor.jwks_down:
                        return self._json({"error": "unavailable"}, 503)
                    return self._json(saleor.jwks())
                return self._json({"error": "not found"}, 404)

            def do_POST(self) -> None:
                saleor.graphql_calls += 1
                saleor.authorizations.append(self.headers.get("Authorization", ""))
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Authorization") == f"Bearer {saleor.app_token}":
                    return self._json({"data": {"app": {"id": "QXBwOjE="}}})
                return self._json({"data": {"app": None}, "errors": [{"message": "Invalid token."}]})

        return Handler


def checkout_payload(checkout_id: str, email: str, lines: int = 3, issued_at: str = "2026-03-02T09:00:00+00:00"):
    names = ["Linen shirt", "Canvas tote", "Espresso cups"]
    return {
        "__typename": "CheckoutUpdated", "issuedAt": issued_at,
        "checkout": {
            "id": checkout_id, "email": email, "user": None, "channel": {"slug": "default-channel"},
            "lines": [{"quantity": 1,
                       "variant": {"name": "M", "sku": f"SKU-{i}",
                                   "product": {"name": names[i % 3], "slug": f"p{i}",
                                               "thumbnail": {"url": f"https://cdn.saleor.test/{i}.png"}}},
                       "unitPrice": {"gross": {"amount": 10.0 + i, "currency": "EUR"}},
                       "totalPrice": {"gross": {"amount": 10.0 + i, "currency": "EUR"}}} for i in range(lines)],
            "subtotalPrice": {"gross": {"amount": 33.0, "currency": "EUR"}},
            "totalPrice": {"gross": {"amount": 33.0, "currency": "EUR"}},
        },
    }


def order_payload(order_id: str, checkout_id: str, email: str, issued_at: str = "2026-03-03T12:00:00+00:00"):
    return {
        "__typename": "OrderCreated", "issuedAt": issued_at,
        "order": {"id": order_id, "number": "1042", "checkoutId": checkout_id, "userEmail": email, "user": None,
                  "lines": [{"productName": "Linen shirt", "variantName": "M", "productSku": "SKU-0", "quantity": 1,
                             "thumbnail": None, "unitPrice": {"gross": {"amount": 10.0, "currency": "EUR"}},
                             "totalPrice": {"gross": {"amount": 10.0, "currency": "EUR"}}}],
                  "subtotal": {"gross": {"amount": 10.0, "currency": "EUR"}},
                  "total": {"gross": {"amount": 10.0, "currency": "EUR"}}},
    }
