"""API keys: how another service calls Herald, as itself and never as a user.

A key is a random secret shown once when it is made; Herald keeps only its hash, a
short prefix to recognise it by, and the scopes that say what it may do. Revoking a key
is final.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from domain.errors import NUL_MESSAGE, InvalidValue

SECRET_PREFIX = "hk_"
NAME_MAX = 100
# "hk_" and the first 8 of the 43 random characters: enough to tell keys apart in a
# list, while the 35 characters never shown still hold 210 random bits.
DISPLAY_PREFIX_LENGTH = len(SECRET_PREFIX) + 8
# A secret longer than this is no key of ours: refused before it is hashed.
SECRET_MAX = 64
# last_used_at is a hint for people reviewing keys, not an audit log: written at most
# this often per key, so that a busy key costs no write per request.
LAST_USED_PRECISION = timedelta(minutes=1)


class Scope(enum.StrEnum):
    """What a key may do; each later capability adds its own."""

    NOTIFICATIONS_WRITE = "notifications:write"
    NOTIFICATIONS_READ = "notifications:read"
    RECIPIENTS_WRITE = "recipients:write"
    RECIPIENTS_READ = "recipients:read"
    TEMPLATES_WRITE = "templates:write"
    TOPICS_WRITE = "topics:write"
    SUBSCRIPTIONS_WRITE = "subscriptions:write"


def key_name(raw: str) -> str:
    """1-100 printable characters, surrounding blanks removed."""
    name = raw.strip()
    if "\x00" in name:
        raise InvalidValue(NUL_MESSAGE)
    if not 1 <= len(name) <= NAME_MAX:
        raise InvalidValue(f"must be 1 to {NAME_MAX} characters")
    if not name.isprintable():
        raise InvalidValue("must hold printable characters only")
    return name


def scopes_of(raw: list[str]) -> frozenset[Scope]:
    """At least one scope, each one Herald knows."""
    unknown = sorted(set(raw) - {s.value for s in Scope})
    if unknown:
        # The first few, cut short: the message must stay small whatever was sent.
        named = ", ".join(repr(s[:40]) for s in unknown[:3]) + (", ..." if unknown[3:] else "")
        raise InvalidValue(f"unknown scope {named}; known: {', '.join(Scope)}")
    if not raw:
        raise InvalidValue("must name at least one scope")
    return frozenset(Scope(s) for s in raw)


def new_secret() -> str:
    """`hk_` and 32 random bytes, URL-safe base64 (43 characters)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    # A fast hash is right here, unlike for passwords: the secret holds 256 random bits,
    # so there is no dictionary to try and brute force is out of reach however fast the
    # hash. A slow (argon2) hash would only cost every request dearly. Unsalted, the hash
    # is also the lookup key.
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: UUID
    name: str
    scopes: frozenset[Scope]
    prefix: str  # the secret's first characters, to recognise it by
    secret_hash: str
    created_at: datetime
    created_by: UUID  # the admin who made it
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @classmethod
    def make(
        cls,
        key_id: UUID,
        name: str,
        scopes: frozenset[Scope],
        secret: str,
        now: datetime,
        created_by: UUID,
    ) -> ApiKey:
        return cls(
            key_id,
            name,
            scopes,
            secret[:DISPLAY_PREFIX_LENGTH],
            hash_secret(secret),
            now,
            created_by,
        )

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self, now: datetime) -> ApiKey:
        """Revoked from `now`; a key already revoked keeps its first revocation time."""
        return self if self.revoked else replace(self, revoked_at=now)

    def use_is_worth_recording(self, now: datetime) -> bool:
        return self.last_used_at is None or now - self.last_used_at >= LAST_USED_PRECISION


@dataclass(frozen=True, slots=True)
class ServicePrincipal:
    """The caller behind a valid key: a service with scopes, never a user."""

    key_id: UUID
    name: str
    scopes: frozenset[Scope]
