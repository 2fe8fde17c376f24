from dataclasses import dataclass

from application.ports.accounts import AccessClaims, SessionReader, TokenIssuer
from application.ports.clock import Clock
from domain.accounts import User
from domain.errors import AuthenticationFailed


@dataclass(frozen=True, slots=True)
class Principal:
    user: User
    claims: AccessClaims


class Authenticate:
    """Turn a bearer access token into the user behind it.

    Rules: the token must verify (signature with the configured algorithm only, expiry,
    issue time not in the future, issuer, audience); its user must exist and be enabled
    and its session must not be revoked. The role comes from the stored user, so a
    demoted admin loses admin rights at once.
    """

    def __init__(
        self,
        issuer: TokenIssuer,
        sessions: SessionReader,
        clock: Clock,
    ) -> None:
        self._issuer = issuer
        self._sessions = sessions
        self._clock = clock

    async def __call__(self, token: str) -> Principal:
        claims = self._issuer.decode_access(token)
        found = await self._sessions.get_with_user(claims.session_id)
        if found is None or found[1].id != claims.subject:
            raise AuthenticationFailed("the token's session has ended; log in again")
        session, user = found
        if user.disabled:
            raise AuthenticationFailed("the token's user is disabled")
        if not session.is_active(self._clock.now()):
            raise AuthenticationFailed("the token's session has ended; log in again")
        return Principal(user, claims)
