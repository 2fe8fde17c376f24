"""PasswordHasher: the fake used by use-case tests and argon2id behave alike."""

import pytest

from adapters.argon2.accounts import Argon2PasswordHasher
from application.ports.accounts import PasswordHasher
from tests.support.fakes import FakePasswordHasher

CHEAP = (1, 1024, 1)  # argon2id cost kept low: these tests check behaviour, not strength


@pytest.fixture(params=["fake", "argon2"])
def hasher(request: pytest.FixtureRequest) -> PasswordHasher:
    return FakePasswordHasher() if request.param == "fake" else Argon2PasswordHasher(*CHEAP)


async def test_hash_verifies_only_its_password(hasher: PasswordHasher) -> None:
    hashed = await hasher.hash("correct horse")
    assert hashed != "correct horse"
    assert await hasher.verify(hashed, "correct horse")
    assert not await hasher.verify(hashed, "wrong horse")
    assert not hasher.needs_rehash(hashed)
    await hasher.waste_time("anything")  # must not raise, whatever the input


async def test_argon2_refuses_a_malformed_hash_without_raising() -> None:
    assert not await Argon2PasswordHasher(*CHEAP).verify("not-a-hash", "correct horse")


async def test_argon2_asks_for_a_rehash_when_the_cost_changes() -> None:
    old = await Argon2PasswordHasher(*CHEAP).hash("correct horse")
    stronger = Argon2PasswordHasher(2, 2048, 1)
    assert stronger.needs_rehash(old)
    assert await stronger.verify(old, "correct horse")  # old hashes still log in
