"""Issuing a token pair for a session: shared by login and refresh."""

from dataclasses import dataclass
from datetime import timedelta

from application.ports.accounts import SessionRepository, TokenIssuer
from application.ports.clock import Clock
from domain.accounts import RefreshToken, Session, User
from domain.ids import new_id


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    refresh_ttl: timedelta


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"


class TokenPairFactory:
    def __init__(
        self,
        issuer: TokenIssuer,
        sessions: SessionRepository,
        clock: Clock,
        policy: TokenPolicy,
    ) -> None:
        self._issuer = issuer
        self._sessions = sessions
        self._clock = clock
        self._policy = policy

    async def start_session(self, user: User) -> TokenPair:
        now = self._clock.now()
        session = Session(
            id=new_id(),
            user_id=user.id,
            created_at=now,
            expires_at=now + self._policy.refresh_ttl,
        )
        await self._sessions.add(session)
        return await self._pair(user, session)

    async def continue_session(self, user: User, session: Session) -> TokenPair:
        """Slide the session's expiry and hand out the next token of its family."""
        extended = Session(
            id=session.id,
            user_id=session.user_id,
            created_at=session.created_at,
            expires_at=self._clock.now() + self._policy.refresh_ttl,
        )
        await self._sessions.update(extended)
        return await self._pair(user, extended)

    async def _pair(self, user: User, session: Session) -> TokenPair:
        refresh = self._issuer.new_refresh_token()
        await self._sessions.add_token(
            RefreshToken(
                id=new_id(),
                session_id=session.id,
                token_hash=self._issuer.hash_refresh_token(refresh),
                expires_at=session.expires_at,
            )
        )
        access = self._issuer.issue_access(user.id, user.role, session.id)
        return TokenPair(access.token, refresh, access.expires_in)
