"""The API key use cases, built by the container over in-memory fakes."""

from collections.abc import AsyncIterator

import pytest
from dishka import AsyncContainer

from application.api_keys.authenticate_key import UNKNOWN_KEY, AuthenticateKey
from application.api_keys.create_key import CreateApiKey, CreateApiKeyCommand, CreatedApiKey
from application.api_keys.list_keys import ListApiKeys, ListApiKeysQuery
from application.api_keys.revoke_key import RevokeApiKey
from domain.accounts import Role
from domain.api_keys import Scope, ServicePrincipal
from domain.errors import (
    AuthenticationFailed,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from domain.ids import new_id
from tests.support.accounts import new_user
from tests.support.container import Fakes, use_cases

BOSS = new_user("boss", Role.ADMIN)
ANN = new_user("ann")


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


@pytest.fixture
async def request_scope(fakes: Fakes) -> AsyncIterator[AsyncContainer]:
    async with use_cases(fakes, api_key_rate_limit=3) as request:
        yield request


async def make(request: AsyncContainer, *scopes: Scope, name: str = "billing") -> CreatedApiKey:
    create = await request.get(CreateApiKey)
    return await create(CreateApiKeyCommand(BOSS, name, [s.value for s in scopes]))


async def test_a_key_is_made_by_an_admin_and_only_its_hash_is_kept(
    request_scope: AsyncContainer, fakes: Fakes
) -> None:
    made = await make(request_scope, Scope.RECIPIENTS_READ)
    stored = await fakes.api_keys.get(made.key.id)
    assert stored == made.key
    assert stored.created_by == BOSS.id
    assert stored.scopes == {Scope.RECIPIENTS_READ}
    assert made.secret not in repr(stored)


async def test_every_bad_field_at_once(request_scope: AsyncContainer) -> None:
    create = await request_scope.get(CreateApiKey)
    with pytest.raises(InvalidInput) as caught:
        await create(CreateApiKeyCommand(BOSS, " ", ["everything"]))
    assert [e.field for e in caught.value.errors] == ["name", "scopes"]


async def test_users_and_keys_make_no_keys(request_scope: AsyncContainer) -> None:
    create = await request_scope.get(CreateApiKey)
    key = ServicePrincipal(new_id(), "k", frozenset(Scope))
    for who, refusal in ((ANN, "needs the admin role"), (key, "an API key cannot manage")):
        with pytest.raises(PermissionDenied, match=refusal):
            await create(CreateApiKeyCommand(who, "x", ["recipients:read"]))


async def test_keys_are_listed_in_pages(request_scope: AsyncContainer) -> None:
    made = [(await make(request_scope, Scope.TEMPLATES_WRITE, name=f"k{i}")).key for i in range(3)]
    made.sort(key=lambda key: key.id)  # time-ordered ids: equal within a millisecond
    list_keys = await request_scope.get(ListApiKeys)
    first = await list_keys(ListApiKeysQuery(BOSS, limit=2))
    assert first.items == made[:2]
    second = await list_keys(ListApiKeysQuery(BOSS, limit=2, cursor=first.next_cursor))
    assert (second.items, second.next_cursor) == (made[2:], None)
    with pytest.raises(InvalidInput, match="limit: must be between 1 and 100"):
        await list_keys(ListApiKeysQuery(BOSS, limit=0))
    with pytest.raises(PermissionDenied):
        await list_keys(ListApiKeysQuery(ANN))


async def test_authentication_with_a_key_and_after_its_revocation(
    request_scope: AsyncContainer, fakes: Fakes
) -> None:
    made = await make(request_scope, Scope.NOTIFICATIONS_WRITE)
    authenticate = await request_scope.get(AuthenticateKey)
    principal = await authenticate(made.secret)
    assert principal == ServicePrincipal(
        made.key.id, "billing", frozenset({Scope.NOTIFICATIONS_WRITE})
    )
    revoke = await request_scope.get(RevokeApiKey)
    revoked = await revoke(BOSS, made.key.id)
    assert revoked.revoked_at == fakes.clock.now()
    assert await revoke(BOSS, made.key.id) == revoked  # twice changes nothing
    with pytest.raises(AuthenticationFailed, match=UNKNOWN_KEY):
        await authenticate(made.secret)
    with pytest.raises(NotFound, match="no API key with id"):
        await revoke(BOSS, new_id())


@pytest.mark.parametrize("secret", ["hk_wrong", "not-a-key", "hk_" + "x" * 100])
async def test_unknown_keys_are_refused(request_scope: AsyncContainer, secret: str) -> None:
    await make(request_scope, Scope.NOTIFICATIONS_WRITE)
    authenticate = await request_scope.get(AuthenticateKey)
    with pytest.raises(AuthenticationFailed, match=UNKNOWN_KEY):
        await authenticate(secret)


async def test_each_key_has_its_own_rate_limit(request_scope: AsyncContainer) -> None:
    busy, other = [await make(request_scope, Scope.RECIPIENTS_READ) for _ in range(2)]
    authenticate = await request_scope.get(AuthenticateKey)
    for _ in range(3):
        await authenticate(busy.secret)
    with pytest.raises(RateLimited) as caught:
        await authenticate(busy.secret)
    assert 1 <= caught.value.retry_after_seconds <= 60
    await authenticate(other.secret)


async def test_last_use_is_written_at_most_once_a_minute(
    fakes: Fakes,
) -> None:
    async with use_cases(fakes) as request:
        made = await make(request, Scope.RECIPIENTS_READ)
        authenticate = await request.get(AuthenticateKey)
        started = fakes.clock.now()
        await authenticate(made.secret)
        fakes.clock.advance(seconds=59)
        await authenticate(made.secret)
        stored = await fakes.api_keys.get(made.key.id)
        assert stored is not None
        assert stored.last_used_at == started
        fakes.clock.advance(seconds=1)
        await authenticate(made.secret)
        stored = await fakes.api_keys.get(made.key.id)
        assert stored is not None
        assert stored.last_used_at == fakes.clock.now()
