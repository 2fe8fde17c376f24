"""Sign webhook requests the way Twilio and SendGrid do, for tests of the webhook routes."""

import base64
import time
from collections.abc import Mapping

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from twilio.request_validator import RequestValidator


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The `X-Twilio-Signature` Twilio sends for a form POST to `url`."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))


class SendGridSigner:
    """A fresh P-256 key pair standing in for SendGrid's signed event webhook.

    Set `HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY` to `public_key`, and send `headers(body)`.
    """

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public_key = base64.b64encode(der).decode()

    def signature(self, payload: bytes, timestamp: str) -> str:
        signed = self._key.sign(timestamp.encode() + payload, ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(signed).decode()

    def headers(self, payload: bytes, timestamp: str | None = None) -> dict[str, str]:
        """Signed now (SendGrid's timestamps are Unix seconds), unless told otherwise."""
        timestamp = str(int(time.time())) if timestamp is None else timestamp
        return {
            "X-Twilio-Email-Event-Webhook-Signature": self.signature(payload, timestamp),
            "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
        }
