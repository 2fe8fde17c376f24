"""TOTP secrets sealed with AES-256-GCM (the `cryptography` package), bound to their
user: a sealed secret copied onto another account's row does not open."""

import base64
import os
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1."
_NONCE_BYTES = 12


class UnreadableMfaSecret(Exception):
    """A stored secret does not open with the configured key."""


class AesGcmSecretBox:
    """`v1.` + base64url(nonce + ciphertext and tag); the AES key is derived (HKDF-SHA256)
    from the configured key material, so any long random string will do."""

    def __init__(self, key_material: str) -> None:
        key = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"herald mfa secrets v1")
        self._aead = AESGCM(key.derive(key_material.encode()))

    def seal(self, secret: str, user_id: UUID) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode(), user_id.bytes)
        return _VERSION + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, sealed: str, user_id: UUID) -> str:
        try:
            if not sealed.startswith(_VERSION):
                raise ValueError("unknown format")
            raw = base64.urlsafe_b64decode(sealed.removeprefix(_VERSION))
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], user_id.bytes)
        except (InvalidTag, ValueError) as exc:
            raise UnreadableMfaSecret(
                "a stored TOTP secret does not open with the configured key: was "
                "HERALD_MFA_KEY (or, without it, HERALD_JWT_SECRET) changed?"
            ) from exc
        return plain.decode()
