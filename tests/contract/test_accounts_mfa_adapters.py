"""The adapters of two-factor sign-in that have no fake: TOTP through pyotp against the
RFC 6238 test vectors, the AES-GCM secret box, and the JWT challenges."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt
import pytest

from adapters.cryptography.accounts import AesGcmSecretBox, UnreadableMfaSecret
from adapters.jwt.accounts import JwtMfaChallenges, JwtTokenIssuer
from adapters.pyotp.accounts import PyotpTotp
from application.accounts.mfa import ENROL, LOGIN
from domain.accounts import Role
from domain.errors import AuthenticationFailed
from domain.ids import new_id
from tests.conftest import TEST_SECRET
from tests.support.fakes import FakeClock

# RFC 6238 appendix B: the SHA-1 secret "12345678901234567890", 8-digit codes; the
# 6-digit code is their last six digits.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
RFC_VECTORS = [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924")]


@pytest.mark.parametrize(("unix", "code"), RFC_VECTORS)
def test_totp_finds_the_step_of_an_rfc_6238_code(unix: int, code: str) -> None:
    totp = PyotpTotp()
    at = datetime.fromtimestamp(unix, UTC)
    assert totp.step(at) == unix // 30
    assert totp.matching_step(RFC_SECRET, code[-6:], at) == unix // 30
    # One step of drift either way, not two.
    assert totp.matching_step(RFC_SECRET, code[-6:], at + timedelta(seconds=30)) == unix // 30
    assert totp.matching_step(RFC_SECRET, code[-6:], at - timedelta(seconds=30)) == unix // 30
    assert totp.matching_step(RFC_SECRET, code[-6:], at + timedelta(seconds=90)) is None


def test_totp_secrets_are_fresh_and_uris_name_issuer_and_account() -> None:
    totp = PyotpTotp()
    secrets = {totp.new_secret() for _ in range(20)}
    assert len(secrets) == 20
    assert all(len(s) == 32 for s in secrets)
    uri = totp.uri(RFC_SECRET, "ann.lee", "Herald")
    assert uri == f"otpauth://totp/Herald:ann.lee?secret={RFC_SECRET}&issuer=Herald"


def test_the_secret_box_opens_what_it_sealed_for_that_user_only() -> None:
    box, user = AesGcmSecretBox("k" * 16 + "0123456789abcdef"), new_id()
    sealed = box.seal(RFC_SECRET, user)
    assert RFC_SECRET not in sealed
    assert sealed.startswith("v1.")
    assert len(sealed) <= 255  # the column
    assert box.seal(RFC_SECRET, user) != sealed  # a fresh nonce each time
    assert box.open(sealed, user) == RFC_SECRET
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    other_key = AesGcmSecretBox("another key, as long as the first one")
    attempts: list[tuple[AesGcmSecretBox, str, UUID]] = [
        (box, sealed, new_id()),  # copied onto another account's row
        (other_key, sealed, user),  # the key changed
        (box, tampered, user),
        (box, RFC_SECRET, user),  # plain text
        (box, "v1.%%%", user),
    ]
    for opener, text, owner in attempts:
        with pytest.raises(UnreadableMfaSecret, match="HERALD_MFA_KEY"):
            opener.open(text, owner)


def _challenges(clock: FakeClock, secret: str = TEST_SECRET) -> JwtMfaChallenges:
    return JwtMfaChallenges(secret, "HS256", "herald", timedelta(minutes=5), clock)


def test_a_challenge_names_its_user_for_its_purpose_until_it_expires() -> None:
    clock = FakeClock()
    challenges, user = _challenges(clock), new_id()
    issued = challenges.issue(user, LOGIN)
    assert issued.expires_in == 300
    assert challenges.decode(issued.token, LOGIN) == user
    with pytest.raises(AuthenticationFailed, match="challenge is invalid or expired"):
        challenges.decode(issued.token, ENROL)
    clock.advance(seconds=299)
    assert challenges.decode(issued.token, LOGIN) == user
    clock.advance(seconds=1)
    with pytest.raises(AuthenticationFailed, match="expired"):
        challenges.decode(issued.token, LOGIN)


def test_forged_and_foreign_tokens_are_no_challenges() -> None:
    clock = FakeClock()
    challenges, user = _challenges(clock), new_id()
    now = int(clock.now().timestamp())
    claims = {
        "sub": str(user),
        "jti": "x",
        "iss": "herald",
        "aud": "herald-mfa-login",
        "iat": now,
        "exp": now + 60,
    }
    access = JwtTokenIssuer(
        TEST_SECRET, "HS256", "herald", "herald-api", timedelta(minutes=15), clock
    ).issue_access(user, Role.ADMIN, new_id())
    forged = [
        jwt.encode(claims, "another secret of thirty-two characters", algorithm="HS256"),
        jwt.encode(claims, "", algorithm="none"),
        jwt.encode({**claims, "sub": "not-a-uuid"}, TEST_SECRET, algorithm="HS256"),
        jwt.encode({k: v for k, v in claims.items() if k != "exp"}, TEST_SECRET, algorithm="HS256"),
        access.token,  # an access token, audience herald-api
        "",
    ]
    for token in forged:
        with pytest.raises(AuthenticationFailed):
            challenges.decode(token, LOGIN)
    assert challenges.decode(jwt.encode(claims, TEST_SECRET, algorithm="HS256"), LOGIN) == UUID(
        str(user)
    )
