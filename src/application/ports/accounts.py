"""Ports of accounts: users, sessions and their refresh tokens, password hashing, access
tokens, the login limits, and two-factor sign-in (TOTP secrets, codes, challenges)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.accounts import Mfa, RefreshToken, Role, Session, User, Username


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Stage a new user; raises Conflict when the username is taken."""
        ...

    async def get(self, user_id: UUID) -> User | None: ...

    async def get_by_username(self, username: Username) -> User | None: ...

    async def update(self, user: User) -> None: ...

    async def any_admin(self) -> bool: ...

    async def search(
        self, q: str | None, role: Role | None, *, after: UUID | None, limit: int
    ) -> list[User]:
        """Users by id (the order they were made) after `after`; with `q`, those whose
        username starts with it (`q` is case-folded already); with `role`, of that role."""
        ...

    async def lock_active_admins(self) -> int:
        """How many enabled admins there are, locking their rows until the transaction
        ends (on PostgreSQL), so that two admins cannot demote each other at once."""
        ...


class SessionReader(Protocol):
    async def get_with_user(self, session_id: UUID) -> tuple[Session, User] | None:
        """The committed session and its user in one lookup, outside any transaction:
        every authenticated request needs both."""
        ...


class SessionRepository(Protocol):
    """Sessions and refresh tokens, in the request's transaction."""

    async def add(self, session: Session) -> None: ...

    async def get(self, session_id: UUID) -> Session | None: ...

    async def update(self, session: Session) -> None: ...

    async def add_token(self, token: RefreshToken) -> None: ...

    async def get_token_by_hash(self, token_hash: str) -> RefreshToken | None: ...

    async def revoke_all(self, user_id: UUID, now: datetime, *, keep: UUID | None = None) -> int:
        """Revoke every live session of the user but `keep`; returns how many."""
        ...

    async def mark_token_used(self, token: RefreshToken) -> bool:
        """Record the token as used unless it already was; False means another caller won."""
        ...

    async def purge_expired(self, now: datetime) -> int:
        """Delete sessions (and their tokens) that expired; returns how many."""
        ...


class PasswordHasher(Protocol):
    """Slow by design; implementations must not block the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...

    async def waste_time(self, password: str) -> None:
        """Spend what a verify costs, so an unknown user answers as slowly as a known one."""
        ...


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: UUID
    role: Role
    session_id: UUID
    token_id: str
    issued_at: datetime
    expires_at: datetime
    issuer: str
    audience: str


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    token: str
    expires_in: int


class TokenIssuer(Protocol):
    def issue_access(self, user_id: UUID, role: Role, session_id: UUID) -> IssuedAccessToken: ...

    def decode_access(self, token: str) -> AccessClaims:
        """Raises AuthenticationFailed for any token that is not valid right now."""
        ...

    def new_refresh_token(self) -> str:
        """An opaque, unguessable token."""
        ...

    def hash_refresh_token(self, token: str) -> str: ...


class RateLimiter(Protocol):
    async def hit(self, key: str) -> int | None:
        """Count one attempt under key; None when allowed, else seconds until allowed again."""
        ...


class LoginHistory(Protocol):
    """What logins remember of an account across client addresses: its recent failures,
    and the clients it logged in from before. Keys are opaque (hashes)."""

    async def failures(self, account: str) -> tuple[int, int]:
        """Failed logins in the current window, and the seconds until that window ends."""
        ...

    async def add_failure(self, account: str) -> None: ...

    async def knows(self, account: str, client: str) -> bool:
        """True when the account logged in from this client within the memory's span."""
        ...

    async def add_success(self, account: str, client: str) -> None: ...


class MfaRepository(Protocol):
    """Users' TOTP enrolments and recovery codes, in the request's transaction."""

    async def get(self, user_id: UUID) -> Mfa | None: ...

    async def save(self, mfa: Mfa) -> None:
        """Insert or replace the user's enrolment, its recovery codes with it."""
        ...

    async def delete(self, user_id: UUID) -> bool:
        """Remove the enrolment and its recovery codes; False when there was none."""
        ...

    async def use_step(self, user_id: UUID, step: int) -> bool:
        """Record `step` as the last one used unless a step as late was recorded already:
        False means another request spent this code (or a later one) first."""
        ...

    async def use_recovery_code(self, user_id: UUID, code_hash: str) -> bool:
        """Spend the recovery code; False when it is not (or no longer) the user's."""
        ...


class MfaSecretBox(Protocol):
    """Seals TOTP secrets for storage, bound to their user, and opens them again."""

    def seal(self, secret: str, user_id: UUID) -> str: ...

    def open(self, sealed: str, user_id: UUID) -> str: ...


class Totp(Protocol):
    """RFC 6238 time-based one-time passwords."""

    def new_secret(self) -> str:
        """A fresh random secret (base32)."""
        ...

    def uri(self, secret: str, account: str, issuer: str) -> str:
        """The `otpauth://` URI authenticator apps read (as a QR code)."""
        ...

    def step(self, at: datetime) -> int:
        """The time step `at` falls in."""
        ...

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        """The time step, of the one `at` falls in and its neighbours (clock drift),
        that `code` is the code of; None when it is none of theirs."""
        ...


@dataclass(frozen=True, slots=True)
class IssuedChallenge:
    token: str
    expires_in: int  # seconds


class MfaChallenges(Protocol):
    """Short-lived signed proofs that a user got their password right, for one purpose:
    `login` (a code completes the login) or `enrol` (a staff account enrols)."""

    def issue(self, user_id: UUID, purpose: str) -> IssuedChallenge: ...

    def decode(self, token: str, purpose: str) -> UUID:
        """The user of a challenge for `purpose` valid right now; AuthenticationFailed
        for any other token."""
        ...


class MfaFailures(Protocol):
    """Failed second-factor attempts per account within a window (keys are opaque)."""

    async def failures(self, account: str) -> tuple[int, int]:
        """Failures in the current window, and the seconds until that window ends."""
        ...

    async def add_failure(self, account: str) -> None: ...
