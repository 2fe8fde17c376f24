import functools
import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from application.accounts.mfa import INVALID_CHALLENGE
from application.ports.accounts import AccessClaims, IssuedAccessToken, IssuedChallenge
from application.ports.clock import Clock
from domain.accounts import Role
from domain.errors import AuthenticationFailed
from domain.ids import new_id

_REQUIRED = ["sub", "role", "exp", "iat", "jti", "iss", "aud", "sid"]


class JwtTokenIssuer:
    """HMAC-signed JWT access tokens (pyjwt) and opaque refresh tokens.

    Only the configured algorithm is accepted, so `alg: none` or an algorithm swap fails.
    """

    def __init__(
        self,
        secret: str,
        algorithm: str,
        issuer: str,
        audience: str,
        access_ttl: timedelta,
        clock: Clock,
        leeway_seconds: int = 5,
        verified_cache_size: int = 10_000,
    ) -> None:
        self._secret = secret
        self._algorithm = algorithm
        self._issuer = issuer
        self._audience = audience
        self._access_ttl = access_ttl
        self._clock = clock
        self._leeway = leeway_seconds
        # A token's signature and claims never change, so their verification (the costly
        # part: pyjwt checks the encoding character by character) is done once per token.
        # Failures are not cached; expiry is checked on every call.
        self._verified = functools.lru_cache(maxsize=verified_cache_size)(self._verify)

    def issue_access(self, user_id: UUID, role: Role, session_id: UUID) -> IssuedAccessToken:
        now = self._clock.now()
        payload = {
            "sub": str(user_id),
            "role": role.value,
            "sid": str(session_id),
            "jti": str(new_id()),
            "iss": self._issuer,
            "aud": self._audience,
            "iat": int(now.timestamp()),
            "exp": int((now + self._access_ttl).timestamp()),
        }
        token = jwt.encode(payload, self._secret, algorithm=self._algorithm)
        return IssuedAccessToken(token, int(self._access_ttl.total_seconds()))

    def decode_access(self, token: str) -> AccessClaims:
        claims = self._verified(token)
        now = self._clock.now().timestamp()
        if claims.expires_at.timestamp() <= now - self._leeway:
            raise AuthenticationFailed("the access token has expired")
        if claims.issued_at.timestamp() > now + self._leeway:
            raise AuthenticationFailed("the access token is not valid yet")
        return claims

    def _verify(self, token: str) -> AccessClaims:
        """Signature, algorithm, issuer, audience and claim types; the times are checked
        by the caller against the injected clock, so the service has one notion of now."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self._algorithm],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False},
            )
            if not isinstance(claims["exp"], int) or not isinstance(claims["iat"], int):
                raise jwt.InvalidTokenError("exp and iat must be integers")
            return AccessClaims(
                subject=UUID(claims["sub"]),
                role=Role(claims["role"]),
                session_id=UUID(claims["sid"]),
                token_id=str(claims["jti"]),
                issued_at=datetime.fromtimestamp(claims["iat"], UTC),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
                issuer=claims["iss"],
                audience=self._audience,
            )
        except (jwt.InvalidTokenError, ValueError, TypeError, KeyError, OverflowError) as exc:
            raise AuthenticationFailed("invalid or expired access token") from exc

    def new_refresh_token(self) -> str:
        return secrets.token_urlsafe(32)

    def hash_refresh_token(self, token: str) -> str:
        # The token has 256 bits of entropy, so a fast hash is enough to make a leaked
        # table useless; argon2 here would only slow refreshes down.
        return hashlib.sha256(token.encode()).hexdigest()


_CHALLENGE_REQUIRED = ["sub", "exp", "iat", "jti", "iss", "aud"]


class JwtMfaChallenges:
    """Two-factor challenges as short-lived HMAC-signed JWTs (pyjwt), with an audience of
    their own per purpose (`herald-mfa-login`, `herald-mfa-enrol`): neither passes as an
    access token, nor as the other."""

    def __init__(
        self, secret: str, algorithm: str, issuer: str, ttl: timedelta, clock: Clock
    ) -> None:
        self._secret = secret
        self._algorithm = algorithm
        self._issuer = issuer
        self._ttl = ttl
        self._clock = clock

    def issue(self, user_id: UUID, purpose: str) -> IssuedChallenge:
        now = self._clock.now()
        payload = {
            "sub": str(user_id),
            "jti": str(new_id()),
            "iss": self._issuer,
            "aud": f"herald-mfa-{purpose}",
            "iat": int(now.timestamp()),
            "exp": int((now + self._ttl).timestamp()),
        }
        token = jwt.encode(payload, self._secret, algorithm=self._algorithm)
        return IssuedChallenge(token, int(self._ttl.total_seconds()))

    def decode(self, token: str, purpose: str) -> UUID:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self._algorithm],
                audience=f"herald-mfa-{purpose}",
                issuer=self._issuer,
                options={"require": _CHALLENGE_REQUIRED, "verify_exp": False, "verify_iat": False},
            )
            expires_at = claims["exp"]
            if not isinstance(expires_at, int):
                raise jwt.InvalidTokenError("exp must be an integer")
            user_id = UUID(claims["sub"])
        except (jwt.InvalidTokenError, ValueError, TypeError, KeyError, OverflowError) as exc:
            raise AuthenticationFailed(INVALID_CHALLENGE) from exc
        if expires_at <= self._clock.now().timestamp():
            raise AuthenticationFailed(INVALID_CHALLENGE)
        return user_id
