"""Saleor-Signature: a detached JWS (RS256, unencoded payload) over the raw body."""
from __future__ import annotations

import datetime as dt

import jwt
from django.utils import timezone
from jwt import api_jws

from ...models import SaleorInstallation
from .client import SaleorUnavailable, fetch_jwks


# Unknown kids are cheap to forge: refetch Saleor's keys at most this often,
# so junk webhooks cannot hammer its JWKS endpoint through us.
REFETCH_COOLDOWN = dt.timedelta(seconds=60)


class SignatureError(Exception):
    """The webhook is not provably from this Saleor; the message says why."""


class KeysCoolingDown(SignatureError):
    """An unknown kid while Saleor's keys were just fetched: maybe a genuine
    rotation racing a forger, so the answer must be retryable (Saleor does not
    retry 4xx)."""


def _key_for(installation: SaleorInstallation, kid: str):
    try:
        return jwt.PyJWKSet.from_dict(installation.jwks)[kid].key
    except (KeyError, jwt.PyJWKSetError, jwt.InvalidKeyError):
        return None


def _refetch_keys(installation: SaleorInstallation) -> None:
    if timezone.now() - installation.jwks_fetched_at < REFETCH_COOLDOWN:
        raise KeysCoolingDown("unknown key id, and Saleor's keys were fetched less than a minute ago")
    try:
        installation.jwks = fetch_jwks(installation.saleor_api_url)
    except SaleorUnavailable as exc:
        raise SignatureError(f"unknown key and the JWKS refetch failed: {exc}") from None
    installation.jwks_fetched_at = timezone.now()
    installation.save(update_fields=["jwks", "jwks_fetched_at"])


def verify(installation: SaleorInstallation, body: bytes, signature: str) -> None:
    """Raise SignatureError unless `signature` signs `body` with one of the
    installation's keys; an unknown `kid` (key rotation) refetches the JWKS once."""
    if not signature:
        raise SignatureError("no Saleor-Signature header")
    try:
        header = jwt.get_unverified_header(signature)
    except jwt.InvalidTokenError as exc:
        raise SignatureError(f"malformed signature: {exc}") from None
    # Only a detached, unencoded-payload JWS signs *this body*: an ordinary
    # token signed with the same key (e.g. a customer's access token) must
    # not pass, whatever PyJWT version is installed.
    if header.get("b64") is not False or "b64" not in (header.get("crit") or []) or signature.split(".")[1]:
        raise SignatureError("not a detached JWS with an unencoded payload (b64: false)")
    kid = header.get("kid", "")
    key = _key_for(installation, kid)
    if key is None:
        _refetch_keys(installation)
        key = _key_for(installation, kid)
        if key is None:
            raise SignatureError(f"unknown key id {kid!r}, also after refetching the JWKS")
    try:
        api_jws.decode_complete(signature, key, algorithms=["RS256"], detached_payload=body)
    except jwt.InvalidTokenError as exc:
        raise SignatureError(f"signature does not match the body: {exc}") from None
