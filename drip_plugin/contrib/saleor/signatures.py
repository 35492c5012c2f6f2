"""Saleor-Signature: a detached JWS (RS256, unencoded payload) over the raw body.

Saleor makes it with PyJWT's `api_jws.encode(body, key, "RS256",
is_payload_detached=True)`. The PyJWT that Saleor ships (2.10) writes
`{"alg": "RS256", "b64": false, "kid": …, "typ": "JWT"}` without the `crit`
that RFC 7797 asks for, newer PyJWT adds `"crit": ["b64"]` — and refuses
to decode a `b64: false` token without it. So the signature is checked
here with PyJWT's RS256 algorithm over RFC 7797's signing input, which is
the same for both headers."""
from __future__ import annotations

import binascii
import datetime as dt
import json

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from django.utils import timezone
from jwt.algorithms import RSAAlgorithm
from jwt.utils import base64url_decode

from ...conf import drip_settings
from .models import SaleorInstallation
from .client import SaleorUnavailable, fetch_jwks


# Unknown kids are cheap to forge: refetch Saleor's keys at most this often,
# so junk webhooks cannot hammer its JWKS endpoint through us.
REFETCH_COOLDOWN = dt.timedelta(seconds=60)


class SignatureError(Exception):
    """The webhook is not provably from this Saleor; the message says why."""


class KeysUnavailable(SignatureError):
    """Saleor's current keys could not be had just now: the answer must be
    retryable (Saleor does not retry 4xx)."""


class KeysCoolingDown(KeysUnavailable):
    """An unknown kid while Saleor's keys were just fetched: maybe a genuine
    rotation racing a forger."""


def _key_for(installation: SaleorInstallation, kid: str) -> RSAPublicKey | None:
    try:
        key = jwt.PyJWKSet.from_dict(installation.jwks)[kid].key
    except (KeyError, jwt.PyJWKSetError, jwt.InvalidKeyError):
        return None
    return key if isinstance(key, RSAPublicKey) else None  # RS256 needs an RSA key


def _max_age() -> dt.timedelta:
    return dt.timedelta(seconds=drip_settings.SALEOR_JWKS_MAX_AGE)


def _refetch_keys(installation: SaleorInstallation) -> bool:
    """Fetch Saleor's JWKS into `installation`, at most once per cooldown
    whatever the number of requests, processes or forged kids. False when
    another request fetches them: `installation` then has the keys it has stored."""
    now, fetched_at = timezone.now(), installation.jwks_fetched_at
    if now - fetched_at < min(REFETCH_COOLDOWN, _max_age()):
        raise KeysCoolingDown("unknown key id, and Saleor's keys were fetched less than a minute ago")
    # Requests arriving together all get here: the one that moves jwks_fetched_at fetches.
    claimed = SaleorInstallation.objects.filter(pk=installation.pk, jwks_fetched_at=fetched_at).update(
        jwks_fetched_at=now)
    if not claimed:
        installation.refresh_from_db(fields=["jwks", "jwks_fetched_at"])
        return False
    installation.jwks_fetched_at = now
    try:
        installation.jwks = fetch_jwks(installation.saleor_api_url)
    except SaleorUnavailable as exc:
        # Fail closed: keys Saleor did not confirm are not trusted any more;
        # webhooks get 503 (Saleor retries them) until the next fetch, after the cooldown.
        installation.jwks = {"keys": []}
        raise KeysUnavailable(f"Saleor's keys could not be fetched: {exc}") from None
    finally:
        installation.save(update_fields=["jwks"])
    return True


RS256 = RSAAlgorithm(RSAAlgorithm.SHA256)


def _parts(signature: str) -> tuple[dict, bytes, bytes]:
    """(header, its encoded form, signature bytes) of a detached JWS; raises SignatureError."""
    segments = signature.split(".")
    if len(segments) != 3:
        raise SignatureError("malformed signature: not a JWS (header.payload.signature)")
    encoded_header, payload, encoded_signature = segments
    try:
        header = json.loads(base64url_decode(encoded_header))
        signature_bytes = base64url_decode(encoded_signature)
    except (ValueError, binascii.Error, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError: ValueErrors
        raise SignatureError(f"malformed signature: {type(exc).__name__}") from None
    # Only a detached, unencoded-payload JWS signs *this body*: an ordinary
    # token signed with the same key (e.g. a customer's access token) must not pass.
    if not isinstance(header, dict) or header.get("b64") is not False or payload:
        raise SignatureError("not a detached JWS with an unencoded payload (b64: false)")
    if header.get("alg") != "RS256":
        raise SignatureError(f"algorithm {header.get('alg')!r} is not RS256")
    crit = header.get("crit", [])
    if not isinstance(crit, list) or any(parameter != "b64" for parameter in crit):
        raise SignatureError(f"critical header parameters {crit!r} are not understood")
    return header, encoded_header.encode(), signature_bytes


def verify(installation: SaleorInstallation, body: bytes, signature: str) -> None:
    """Raise SignatureError unless `signature` signs `body` with one of the
    installation's keys. The keys are refetched when older than
    SALEOR_JWKS_MAX_AGE (a key Saleor withdrew stops working) or when `kid`
    is unknown (key rotation), at most once per cooldown."""
    if not signature:
        raise SignatureError("no Saleor-Signature header")
    header, encoded_header, signature_bytes = _parts(signature)
    kid = header.get("kid", "")
    if not isinstance(kid, str):
        raise SignatureError(f"key id {kid!r} is not a string")
    fresh = timezone.now() - installation.jwks_fetched_at < _max_age()
    key = _key_for(installation, kid) if fresh else None
    if key is None:
        fetched = _refetch_keys(installation)
        key = _key_for(installation, kid)
        if key is None and not fetched:
            raise KeysCoolingDown(f"unknown key id {kid!r} while another request refetches Saleor's keys")
        if key is None:
            raise SignatureError(f"unknown key id {kid!r}, also after refetching the JWKS")
    # RFC 7797 §3: with b64 false the signing input is the header, ".", and the raw body.
    if not RS256.verify(encoded_header + b"." + body, key, signature_bytes):
        raise SignatureError("signature does not match the body")
