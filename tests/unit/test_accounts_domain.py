import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.accounts import Password, Role, User, Username, ensure_an_admin_remains
from domain.errors import Conflict, FieldErrors, InvalidInput, InvalidValue
from domain.ids import new_id


@pytest.mark.parametrize("raw", ["ann", "Ann.Lee", "a_b-c.d", "x" * 32, "  bob  "])
def test_username_accepts_and_case_folds(raw: str) -> None:
    assert Username(raw).value == raw.strip().casefold()


@pytest.mark.parametrize("raw", ["ab", "x" * 33, "ann lee", "ann!", "", "émile"])
def test_username_refuses(raw: str) -> None:
    with pytest.raises(InvalidValue, match="3 to 32 characters"):
        Username(raw)


def test_password_bounds() -> None:
    assert Password("12345678").value == "12345678"
    with pytest.raises(InvalidValue, match="at least 8"):
        Password("1234567")
    with pytest.raises(InvalidValue, match="at most 128"):
        Password("x" * 129)
    assert "secret" not in repr(Password("secret123"))


def test_field_errors_names_every_bad_field() -> None:
    errors = FieldErrors()
    errors.check("username", Username, "a")
    errors.check("password", Password, "short")
    with pytest.raises(InvalidInput) as caught:
        errors.raise_if_any()
    assert [e.field for e in caught.value.errors] == ["username", "password"]


def test_new_id_is_uuid7_and_time_ordered() -> None:
    ids = [new_id() for _ in range(50)]
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    assert len(set(ids)) == 50
    # the 48-bit millisecond prefix never goes backwards
    prefixes = [i.int >> 80 for i in ids]
    assert prefixes == sorted(prefixes)


def test_roles_parse_and_name_the_allowed_ones() -> None:
    assert [Role.parse(r) for r in ("user", "agent", "admin")] == [
        Role.USER,
        Role.AGENT,
        Role.ADMIN,
    ]
    with pytest.raises(InvalidValue, match="must be one of user, agent, admin"):
        Role.parse("Admin")


def _user(role: Role, disabled: bool = False) -> User:
    return User(new_id(), Username("ann"), "hash", role, datetime(2026, 3, 1, tzinfo=UTC), disabled)


def test_staff_and_active_admins() -> None:
    assert [_user(r).is_staff for r in Role] == [False, True, True]
    assert _user(Role.ADMIN).is_active_admin
    assert not _user(Role.ADMIN, disabled=True).is_active_admin


@pytest.mark.parametrize(
    "after",
    [replace(_user(Role.ADMIN), role=Role.AGENT), replace(_user(Role.ADMIN), disabled=True)],
)
def test_the_last_enabled_admin_stays(after: User) -> None:
    before = replace(after, role=Role.ADMIN, disabled=False)
    with pytest.raises(Conflict, match="at least one enabled admin"):
        ensure_an_admin_remains(before, after, active_admins=1)
    ensure_an_admin_remains(before, after, active_admins=2)
    # Changing someone who is no enabled admin needs no admin count.
    ensure_an_admin_remains(after, replace(after, role=Role.USER), active_admins=0)
    ensure_an_admin_remains(before, replace(before, password_hash="new"), active_admins=1)
