"""Login sessions and refresh-token rotation with reuse detection.

A session is one refresh-token family: each refresh hands out a new token and marks the
presented one used. Presenting a used token again means it leaked, so the whole session
is revoked, and with it every access token issued for it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID


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
