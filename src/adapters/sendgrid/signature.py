"""Checks SendGrid's signed event webhook: ECDSA (P-256, SHA-256) over timestamp + body,
and that the timestamp is recent, so a captured batch cannot be replayed later."""

import base64
import binascii

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from application.ports.clock import Clock

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


class SendGridEventVerifier:
    """`public_key` is the base64 DER key SendGrid shows in its Mail Settings; the
    signature header is a base64 DER ECDSA signature of `timestamp + raw body`.
    Verify the raw bytes as received: re-encoded JSON would not match. A timestamp (Unix
    seconds) more than `max_age_seconds` from the clock's now, either way, is refused."""

    def __init__(self, public_key: str, max_age_seconds: float, clock: Clock) -> None:
        try:
            key = load_der_public_key(base64.b64decode(public_key.strip(), validate=True))
        except (ValueError, binascii.Error, UnsupportedAlgorithm) as exc:
            raise ValueError("the SendGrid webhook key is not a base64 DER public key") from exc
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise ValueError("the SendGrid webhook public key is not an elliptic-curve key")
        self._key = key
        self.max_age_seconds = max_age_seconds
        self._clock = clock

    def is_valid(self, payload: bytes, signature: str, timestamp: str) -> bool:
        if not signature or not timestamp:
            return False
        try:
            sent = float(timestamp)
        except ValueError:
            return False
        if not abs(self._clock.now().timestamp() - sent) <= self.max_age_seconds:  # NaN fails too
            return False
        try:
            der_signature = base64.b64decode(signature.strip(), validate=True)
            self._key.verify(der_signature, timestamp.encode() + payload, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError, binascii.Error):
            return False
        return True
