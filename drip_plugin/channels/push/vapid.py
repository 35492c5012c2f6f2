"""The VAPID key pair (RFC 8292) that identifies the shop to push services.

Both keys are base64url without padding, as browsers and push services
write them: the public key the uncompressed P-256 point the page passes to
`pushManager.subscribe()` (65 bytes), the private key its raw scalar (32 bytes).
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

from ...conf import drip_settings

# RFC 8292 §2.1: a contact for the push service's operators; as strict as
# py_vapid's own check at signing time (an https: subject is an origin only).
_SUBJECT = re.compile(r"^(mailto:[^@\s]+@(localhost|[\w%-]+(\.[\w%-]+)+)|https://(localhost|[\w-]+(\.[\w-]+)+))$",
                      re.IGNORECASE)


class VapidKeyProblem(ValueError):
    """The configured keys or subject cannot sign VAPID tokens."""


@dataclass(frozen=True)
class VapidKeys:
    public_key: str
    private_key: str


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Base64url with or without padding; raises ValueError on anything else."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url text")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not base64url text ({exc})") from None


def public_point_text(public: ec.EllipticCurvePublicKey) -> str:
    """A P-256 public key as browsers write it: the uncompressed point, base64url."""
    return b64url_encode(public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


def generate_keys() -> VapidKeys:
    private = ec.generate_private_key(ec.SECP256R1())
    return VapidKeys(public_key=public_point_text(private.public_key()),
                     private_key=b64url_encode(private.private_numbers().private_value.to_bytes(32, "big")))


def signer() -> Vapid:
    """The configured keys as py_vapid's signer; raises VapidKeyProblem when
    a key is missing or malformed, the two keys do not match, or the subject
    is no "mailto:"/"https:" contact."""
    public, private, subject = (drip_settings.PUSH_VAPID_PUBLIC_KEY, drip_settings.PUSH_VAPID_PRIVATE_KEY,
                                drip_settings.PUSH_VAPID_SUBJECT)
    if not public or not private:
        raise VapidKeyProblem("PUSH_VAPID_PUBLIC_KEY and PUSH_VAPID_PRIVATE_KEY are required")
    try:
        raw = b64url_decode(private)
        if len(raw) != 32:
            raise ValueError(f"{len(raw)} bytes instead of 32")
        key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except ValueError as exc:
        raise VapidKeyProblem(f"PUSH_VAPID_PRIVATE_KEY is not a raw P-256 private key in base64url: {exc}") from None
    if not isinstance(public, str) or public_point_text(key.public_key()) != public.rstrip("="):
        raise VapidKeyProblem("PUSH_VAPID_PUBLIC_KEY is not the public half of PUSH_VAPID_PRIVATE_KEY")
    if not isinstance(subject, str) or not _SUBJECT.match(subject):
        raise VapidKeyProblem('PUSH_VAPID_SUBJECT must be a "mailto:" address or an "https:" URL')
    return Vapid(key)
