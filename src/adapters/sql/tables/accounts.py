"""The tables of accounts: users, their sessions and refresh tokens, and their two-factor
sign-in (TOTP enrolments and recovery codes, migration 0022)."""

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from adapters.sql.tables.base import Base


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)


class SessionRow(Base):
    __tablename__ = "sessions"

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    user_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, nullable=True)


class RefreshTokenRow(Base):
    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_session_id", "session_id"),)

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    session_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("sessions.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, nullable=True)


class MfaRow(Base):
    """One per user with two-factor sign-in on or being enrolled (`confirmed_at` null)."""

    __tablename__ = "user_mfa"

    user_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(255))  # sealed by the MfaSecretBox
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class MfaRecoveryCodeRow(Base):
    """An unused recovery code, as its sha256; spending it deletes the row."""

    __tablename__ = "mfa_recovery_codes"

    user_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("user_mfa.user_id", ondelete="CASCADE"), primary_key=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
