from application.accounts.tokens import TokenPair, TokenPairFactory
from application.ports.accounts import SessionRepository, TokenIssuer, UserRepository
from application.ports.clock import Clock
from application.ports.transactions import TransactionManager
from domain.errors import AuthenticationFailed, InvalidInput

INVALID_REFRESH = "refresh token is invalid, expired or revoked"
REFRESH_TOKEN_MAX = 256  # issued tokens are 43 characters


class RefreshTokens:
    """Rotate a refresh token: the presented one is spent and a new pair is returned.

    Rules: an unknown, expired or revoked token fails. A token that was already
    rotated is evidence of theft: the whole session (token family) is revoked, which
    also invalidates its access tokens, and the call fails. Two concurrent refreshes
    with one token: exactly one wins; the other counts as reuse.
    """

    def __init__(
        self,
        sessions: SessionRepository,
        users: UserRepository,
        issuer: TokenIssuer,
        tokens: TokenPairFactory,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._sessions = sessions
        self._users = users
        self._issuer = issuer
        self._tokens = tokens
        self._clock = clock
        self._tx = tx

    async def __call__(self, refresh_token: str) -> TokenPair:
        if len(refresh_token) > REFRESH_TOKEN_MAX:
            raise InvalidInput.field(
                "refresh_token", f"must be at most {REFRESH_TOKEN_MAX} characters"
            )
        now = self._clock.now()
        token = await self._sessions.get_token_by_hash(
            self._issuer.hash_refresh_token(refresh_token)
        )
        if token is None or token.is_expired(now):
            raise AuthenticationFailed(INVALID_REFRESH)
        session = await self._sessions.get(token.session_id)
        if session is None or not session.is_active(now):
            raise AuthenticationFailed(INVALID_REFRESH)
        if token.was_used or not await self._sessions.mark_token_used(token.mark_used(now)):
            await self._sessions.update(session.revoke(now))
            await self._tx.commit()
            raise AuthenticationFailed(INVALID_REFRESH)
        user = await self._users.get(session.user_id)
        if user is None or user.disabled:
            raise AuthenticationFailed(INVALID_REFRESH)
        pair = await self._tokens.continue_session(user, session)
        await self._tx.commit()
        return pair
