"""Accounts: usernames, passwords, roles and users, and their login sessions with
refresh-token rotation and reuse detection.

A session is one refresh-token family: each refresh hands out a new token and marks the
presented one used. Presenting a used token again means it leaked, so the whole session
is revoked, and with it every access token issued for it.

Two-factor sign-in (TOTP, RFC 6238): an account's `Mfa` is pending from enrolment until
a first valid code confirms it; then a login needs a code of the authenticator app (a
time step is never accepted twice) or one of ten single-use recovery codes."""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from domain.errors import NUL_MESSAGE, Conflict, InvalidValue, PermissionDenied

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


# Two-factor sign-in (TOTP)

TOTP_DIGITS = 6
TOTP_PERIOD_SECONDS = 30
MFA_CODE_MAX = 64  # far above a code's 6 digits or a recovery code's 19 characters
RECOVERY_CODE_COUNT = 10
# 16 characters of base32: 80 random bits, beyond any offline guessing of a sha256.
_RECOVERY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_RECOVERY_LENGTH = 16
_DIGITS = frozenset("0123456789")
CODE_FORMAT = "must be the 6-digit code of your authenticator app, or one of your recovery codes"
CODE_REUSED = "was used already: wait for the next code of your authenticator app"
CODE_WRONG = "is wrong or expired"
CODE_NOT_TOTP = "must be the 6-digit code of your authenticator app"
RECOVERY_WRONG = "is not an unused recovery code of this account"
MFA_ALREADY_ON = "two-factor sign-in is on already; turn it off first to enrol again"
MFA_NOT_PENDING = "no two-factor enrolment is in progress: POST /me/mfa first"
MFA_NOT_ON = "two-factor sign-in is not on for this account"


@dataclass(frozen=True, slots=True)
class MfaCode:
    """What a user typed as a second factor: the 6 digits of their authenticator app, or
    a recovery code (`ABCD-EFGH-IJKL-MNOP`, any case, dashes and spaces optional)."""

    value: str  # the digits, or the recovery code without dashes in upper case
    is_recovery: bool

    def __init__(self, raw: str) -> None:
        if "\x00" in raw:
            raise InvalidValue(NUL_MESSAGE)
        if len(raw) > MFA_CODE_MAX:
            raise InvalidValue(f"must be at most {MFA_CODE_MAX} characters")
        compact = raw.replace(" ", "").replace("-", "").upper()
        if len(compact) == TOTP_DIGITS and set(compact) <= _DIGITS:
            recovery = False
        elif len(compact) == _RECOVERY_LENGTH and set(compact) <= set(_RECOVERY_ALPHABET):
            recovery = True
        else:
            raise InvalidValue(CODE_FORMAT)
        object.__setattr__(self, "value", compact)
        object.__setattr__(self, "is_recovery", recovery)

    def __repr__(self) -> str:
        return "MfaCode(***)"

    @property
    def hash(self) -> str:
        """The stored form of a recovery code."""
        return recovery_code_hash(self.value)


def recovery_code_hash(code: str) -> str:
    """sha256 of the normalised code: the code has 80 random bits, so a fast hash makes a
    leaked table useless (as for refresh tokens), and checking one costs no argon2 run."""
    return hashlib.sha256(code.encode()).hexdigest()


def new_recovery_codes() -> tuple[str, ...]:
    """RECOVERY_CODE_COUNT fresh codes, as shown to the user (`ABCD-EFGH-IJKL-MNOP`)."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    return tuple(codes)


@dataclass(frozen=True, slots=True)
class Mfa:
    """A user's TOTP: the secret (sealed: only the adapter that sealed it can read it),
    pending until `confirm`ed, the last time step a code was accepted for, and the hashes
    of the recovery codes still unused."""

    user_id: UUID
    sealed_secret: str
    created_at: datetime
    confirmed_at: datetime | None = None
    last_step: int | None = None
    recovery_hashes: frozenset[str] = frozenset()

    @property
    def is_on(self) -> bool:
        return self.confirmed_at is not None

    def accepts_step(self, step: int) -> bool:
        """A code is good once: for a time step after the last one accepted."""
        return self.last_step is None or step > self.last_step

    def use_step(self, step: int) -> Mfa:
        if not self.accepts_step(step):
            raise InvalidValue(CODE_REUSED)
        return replace(self, last_step=step)

    def use_recovery_code(self, code: MfaCode) -> Mfa:
        """The recovery code spent: it is gone from the account's codes."""
        if not code.is_recovery or code.hash not in self.recovery_hashes:
            raise InvalidValue(RECOVERY_WRONG)
        return replace(self, recovery_hashes=self.recovery_hashes - {code.hash})

    def confirm(self, step: int, recovery_codes: tuple[str, ...], now: datetime) -> Mfa:
        """MFA on, with the step of the confirming code spent and these recovery codes."""
        if self.is_on:
            raise Conflict(MFA_ALREADY_ON)
        used = self.use_step(step)
        hashes = frozenset(recovery_code_hash(MfaCode(c).value) for c in recovery_codes)
        return replace(used, confirmed_at=now, recovery_hashes=hashes)


class MfaEnrolmentRequired(PermissionDenied):
    """A staff account without two-factor sign-in logged in while HERALD_MFA_REQUIRED_FOR_STAFF
    is on: no tokens, only a challenge good for enrolling (`POST /auth/mfa/enrol`)."""

    CODE = "mfa_enrolment_required"

    def __init__(self, challenge: str, expires_in: int) -> None:
        super().__init__(
            "staff accounts need two-factor sign-in: enrol with this challenge at "
            "POST /auth/mfa/enrol and /auth/mfa/enrol/confirm, then log in again"
        )
        self.challenge = challenge
        self.expires_in = expires_in

    def problem_members(self) -> dict[str, object]:
        return {"code": self.CODE, "challenge": self.challenge, "expires_in": self.expires_in}
