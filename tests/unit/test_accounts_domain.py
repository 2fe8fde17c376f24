import uuid

import pytest

from domain.accounts import Password, Username
from domain.errors import FieldErrors, InvalidInput, InvalidValue
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
