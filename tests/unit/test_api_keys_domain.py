from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.api_keys import (
    NAME_MAX,
    ApiKey,
    Scope,
    hash_secret,
    key_name,
    new_secret,
    scopes_of,
)
from domain.errors import InvalidValue
from domain.ids import new_id

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_secret_is_hk_and_32_random_bytes_url_safe() -> None:
    secret = new_secret()
    assert secret.startswith("hk_")
    assert len(secret) == 3 + 43  # 32 bytes of base64 without padding
    assert set(secret[3:]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    assert new_secret() != secret


def test_a_key_keeps_the_hash_and_a_short_prefix_never_the_secret() -> None:
    secret = new_secret()
    key = ApiKey.make(
        new_id(), "billing", frozenset({Scope.RECIPIENTS_READ}), secret, NOW, new_id()
    )
    assert key.secret_hash == hash_secret(secret) != secret
    assert len(key.secret_hash) == 64
    assert key.prefix == secret[:11]
    assert secret not in repr(key)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "must be 1 to 100 characters"),
        ("   ", "must be 1 to 100 characters"),
        ("x" * (NAME_MAX + 1), "must be 1 to 100 characters"),
        ("a\x00b", "must not contain NUL characters"),
        ("a\nb", "must hold printable characters only"),
    ],
)
def test_bad_names(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        key_name(raw)


def test_names_are_trimmed() -> None:
    assert key_name("  billing service ") == "billing service"
    assert key_name("x" * NAME_MAX) == "x" * NAME_MAX


def test_scopes() -> None:
    assert scopes_of(["notifications:write", "notifications:write"]) == {Scope.NOTIFICATIONS_WRITE}
    with pytest.raises(InvalidValue, match="must name at least one scope"):
        scopes_of([])
    with pytest.raises(InvalidValue, match="unknown scope 'admin', 'x:y'; known: notifications"):
        scopes_of(["x:y", "recipients:read", "admin"])
    with pytest.raises(InvalidValue, match=r"^unknown scope 'a', 'b', 'c', \.\.\.; known"):
        scopes_of(["d", "c", "b", "a"])
    with pytest.raises(InvalidValue, match=f"^unknown scope '{'x' * 40}'; known"):
        scopes_of(["x" * 10_000])


def test_revocation_is_final_and_keeps_its_first_time() -> None:
    key = ApiKey.make(new_id(), "k", frozenset(Scope), new_secret(), NOW, new_id())
    assert not key.revoked
    revoked = key.revoke(NOW + timedelta(hours=1))
    assert revoked.revoked
    assert revoked.revoke(NOW + timedelta(hours=2)).revoked_at == NOW + timedelta(hours=1)


def test_a_use_is_recorded_at_most_once_a_minute() -> None:
    key = ApiKey.make(new_id(), "k", frozenset(Scope), new_secret(), NOW, new_id())
    assert key.use_is_worth_recording(NOW)
    used = replace(key, last_used_at=NOW)
    assert not used.use_is_worth_recording(NOW + timedelta(seconds=59))
    assert used.use_is_worth_recording(NOW + timedelta(seconds=60))
