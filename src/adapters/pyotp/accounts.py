"""RFC 6238 TOTP through pyotp: 6 digits, 30-second steps, SHA-1 (what every
authenticator app reads from an `otpauth://` URI)."""

import hmac
from datetime import datetime

import pyotp

from domain.accounts import TOTP_DIGITS, TOTP_PERIOD_SECONDS

DRIFT_STEPS = 1  # a code of the step before or after counts too: clocks drift, people type


class PyotpTotp:
    def new_secret(self) -> str:
        return pyotp.random_base32()  # 32 characters: 160 bits, as RFC 4226 recommends

    def uri(self, secret: str, account: str, issuer: str) -> str:
        return self._totp(secret).provisioning_uri(name=account, issuer_name=issuer)

    def step(self, at: datetime) -> int:
        return int(at.timestamp()) // TOTP_PERIOD_SECONDS

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        totp = self._totp(secret)
        now = self.step(at)
        for step in range(now + DRIFT_STEPS, now - DRIFT_STEPS - 1, -1):
            if hmac.compare_digest(totp.generate_otp(step), code):
                return step
        return None

    def _totp(self, secret: str) -> pyotp.TOTP:
        return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD_SECONDS)
