"""Users for tests that store them directly, without signing up."""

from datetime import UTC, datetime

from domain.accounts import Role, User, Username
from domain.ids import new_id

CREATED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def new_user(name: str = "ann", role: Role = Role.USER) -> User:
    return User(new_id(), Username(name), "hash", role, CREATED_AT)
