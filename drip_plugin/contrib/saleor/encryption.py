"""The Saleor app token at rest: Fernet (AES-128-CBC + HMAC-SHA256) under
DRIP_PLUGIN["ENCRYPTION_KEYS"], newest first.

New tokens are encrypted with the first key; any listed key decrypts, so a
new key can be put in front while rows still carry the old one
(`manage.py drip_saleor_tokens` re-encrypts them, then the old key can go).
"""
from __future__ import annotations

import base64
import hashlib
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from ...conf import drip_settings

logger = logging.getLogger("drip_plugin.contrib.saleor")


class TokenUndecryptable(Exception):
    """No key in ENCRYPTION_KEYS decrypts a stored token."""


def _fernet_key(secret: str) -> bytes:
    # Any string can be a key: hashed to the 32 bytes Fernet takes.
    return base64.urlsafe_b64encode(hashlib.sha256(f"drip_plugin.encryption:{secret}".encode()).digest())


def encryption_keys() -> list[str]:
    """The configured keys; without any (development: check drip_saleor.E001
    refuses that in production) one derived from SECRET_KEY."""
    return list(drip_settings.ENCRYPTION_KEYS) or [settings.SECRET_KEY]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(key)) for key in encryption_keys()])


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        logger.error("a stored Saleor app token cannot be decrypted with any of DRIP_PLUGIN['ENCRYPTION_KEYS']")
        raise TokenUndecryptable(
            "no key in DRIP_PLUGIN['ENCRYPTION_KEYS'] decrypts the stored Saleor app token: "
            "was the key it was encrypted with removed? Put it back (after the new one), "
            "or reinstall the app in Saleor") from None


def reencrypt(token: str) -> str:
    """`token` encrypted with the newest key (key rotation)."""
    return encrypt(decrypt(token))
