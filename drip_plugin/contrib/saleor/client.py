"""The few calls the app makes back to Saleor: check a token, fetch its keys."""
from __future__ import annotations

import http.client
import json
import urllib.request
from urllib.parse import urlsplit, urlunsplit

from ...conf import drip_settings


class SaleorUnavailable(Exception):
    """Saleor did not answer, or answered something unusable."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the app token to another host: refuse it."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _fetch(request: urllib.request.Request) -> dict:
    try:
        with _opener.open(request, timeout=drip_settings.SALEOR_TIMEOUT) as response:
            return json.loads(response.read())
    except (OSError, http.client.HTTPException, ValueError) as exc:  # URLError is an OSError
        raise SaleorUnavailable(f"{request.full_url}: {exc}") from None


def jwks_url(api_url: str) -> str:
    """Saleor serves its signing keys at the API's origin."""
    parts = urlsplit(api_url)
    return urlunsplit((parts.scheme, parts.netloc, "/.well-known/jwks.json", "", ""))


def fetch_jwks(api_url: str) -> dict:
    jwks = _fetch(urllib.request.Request(jwks_url(api_url), headers={"Accept": "application/json"}))
    if not isinstance(jwks.get("keys"), list):
        raise SaleorUnavailable(f"{jwks_url(api_url)} is not a JWKS document")
    return jwks


def app_id(api_url: str, auth_token: str) -> str:
    """The app's id as Saleor knows it; proves the token is genuine."""
    body = json.dumps({"query": "{ app { id } }"}).encode()
    request = urllib.request.Request(api_url, data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {auth_token}"})
    answer = _fetch(request)
    app = (answer.get("data") or {}).get("app") or {}
    if not app.get("id"):
        raise SaleorUnavailable(f"Saleor did not accept the token: {answer.get('errors') or answer}")
    return str(app["id"])
