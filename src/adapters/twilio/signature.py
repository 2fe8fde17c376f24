"""Checks `X-Twilio-Signature` on Twilio's webhooks (status callbacks) with the SDK."""

from collections.abc import Mapping

from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"


class TwilioSignatureVerifier:
    """Twilio signs the full public URL it called plus the sorted form parameters
    (HMAC-SHA1 with the account's auth token). The URL must be the one Twilio used,
    i.e. built from the public URL, not from what a proxy handed to us."""

    def __init__(self, auth_token: str) -> None:
        self._validator = RequestValidator(auth_token)

    def is_valid(self, url: str, params: Mapping[str, str], signature: str) -> bool:
        if not signature:
            return False
        try:
            return bool(self._validator.validate(url, dict(params), signature))
        except (ValueError, TypeError):  # e.g. a URL with a non-numeric port
            return False
