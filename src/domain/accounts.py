"""Accounts: usernames, passwords, roles and users, and their login sessions with
refresh-token rotation and reuse detection.

A session is one refresh-token family: each refresh hands out a new token and marks the
presented one used. Presenting a used token again means it leaked, so the whole session
is revoked, and with it every access token issued for it."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from domain.errors import Conflict, InvalidValue

USERNAME_MIN = 3
USERNAME_MAX = 32
_USERNAME = re.compile(rf"[a-z0-9_.-]{{{USERNAME_MIN},{USERNAME_MAX}}}")
PASSWORD_MIN_LENGTH = 8
# Argon2 hashes any length, but an unbounded password is a cheap denial-of-service lever.
PASSWORD_MAX_LENGTH = 128


class Role(enum.StrEnum):
    USER = "user"
    AGENT = "agent"  # support staff: works tickets, is no admin
    ADMIN = "admin"

    @classmethod
    def parse(cls, raw: str) -> Role:
        try:
            return cls(raw)
        except ValueError:
            raise InvalidValue(f"must be one of {', '.join(r.value for r in cls)}") from None


@dataclass(frozen=True, slots=True)
class Username:
    """3-32 characters of a-z, 0-9, '_', '.', '-'; case-folded so 'Ann' and 'ann' are one user."""

    value: str

    def __init__(self, raw: str) -> None:
        folded = raw.strip().casefold()
        if not _USERNAME.fullmatch(folded):
            raise InvalidValue("must be 3 to 32 characters of a-z, 0-9, '_', '.' or '-'")
        object.__setattr__(self, "value", folded)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Password:
    """A plaintext password that meets the policy; never stored, never logged."""

    value: str

    def __init__(self, raw: str) -> None:
        if len(raw) < PASSWORD_MIN_LENGTH:
            raise InvalidValue(f"must be at least {PASSWORD_MIN_LENGTH} characters")
        if len(raw) > PASSWORD_MAX_LENGTH:
            raise InvalidValue(f"must be at most {PASSWORD_MAX_LENGTH} characters")
        if "\x00" in raw:
            raise InvalidValue("must not contain NUL characters")
        object.__setattr__(self, "value", raw)

    def __repr__(self) -> str:
        return "Password(***)"


@dataclass(frozen=True, slots=True)
class User:
    id: UUID
    username: Username
    password_hash: str
    role: Role
    created_at: datetime
    disabled: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        """Admins and agents."""
        return self.role in (Role.ADMIN, Role.AGENT)

    @property
    def is_active_admin(self) -> bool:
        return self.is_admin and not self.disabled

    def with_password_hash(self, password_hash: str) -> User:
        return replace(self, password_hash=password_hash)


@dataclass(frozen=True, slots=True)
class Session:
    id: UUID
    user_id: UUID
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def revoke(self, now: datetime) -> Session:
        return self if self.revoked_at else replace(self, revoked_at=now)


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """Only the hash of a refresh token is kept; the token itself goes to the client once."""

    id: UUID
    session_id: UUID
    token_hash: str
    expires_at: datetime
    used_at: datetime | None = None

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    @property
    def was_used(self) -> bool:
        return self.used_at is not None

    def mark_used(self, now: datetime) -> RefreshToken:
        return replace(self, used_at=now)


@dataclass(frozen=True, slots=True)
class AccountCreated:
    """Domain event: a user account was made (signup or `herald create-admin`), in the
    unit of work that made it."""

    user_id: UUID
    username: str
    at: datetime


LAST_ADMIN = "Herald keeps at least one enabled admin: make another admin first"


def ensure_an_admin_remains(before: User, after: User, active_admins: int) -> None:
    """Conflict when changing `before` into `after` (a demotion or a disabling) would
    leave no enabled admin; `active_admins` counts the enabled admins, `before` among them."""
    if before.is_active_admin and not after.is_active_admin and active_admins <= 1:
        raise Conflict(LAST_ADMIN)
