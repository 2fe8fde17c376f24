"""The dispatcher of domain events, and its handlers on the use case's unit of work."""

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import pytest
from dishka import AsyncContainer, Scope

from application.events import DomainEvents
from application.ports.accounts import UserRepository
from application.ports.preferences import ContactPreferenceRepository
from application.ports.transactions import TransactionManager
from domain.accounts import Role, User, Username
from domain.ids import new_id
from domain.preferences import (
    ContactPreferences,
    EmailAddress,
    NotifyPref,
    PhoneNumber,
    PhoneOptedOut,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PHONE = "+15105552054"


@dataclass(frozen=True)
class Happened:
    what: str


@dataclass(frozen=True)
class Other:
    what: str


async def test_handlers_of_the_event_type_run_in_the_order_they_subscribed() -> None:
    seen: list[str] = []

    async def first(event: Happened) -> None:
        seen.append(f"first {event.what}")

    async def second(event: Happened) -> None:
        seen.append(f"second {event.what}")

    async def other(event: Other) -> None:
        seen.append(f"other {event.what}")

    events = DomainEvents()
    events.subscribe(Happened, first)
    events.subscribe(Happened, second)
    events.subscribe(Other, other)
    await events.record(Happened("a"))
    assert seen == ["first a", "second a"]
    await events.record(PhoneOptedOut(new_id(), PHONE))  # nobody listens: nothing happens
    assert seen == ["first a", "second a"]


async def test_a_failing_handler_fails_the_recording() -> None:
    async def broken(event: Happened) -> None:
        raise RuntimeError("handler bug")

    events = DomainEvents()
    events.subscribe(Happened, broken)
    with pytest.raises(RuntimeError, match="handler bug"):
        await events.record(Happened("a"))


async def _opted_out(container: AsyncContainer, user_id: UUID) -> bool:
    async with container(scope=Scope.REQUEST) as request:
        repository: ContactPreferenceRepository = await request.get(ContactPreferenceRepository)
        prefs = await repository.get(user_id)
        assert prefs is not None
        return prefs.sms_opted_out


async def test_the_containers_handlers_share_the_unit_of_work(container: AsyncContainer) -> None:
    """entrypoints.ioc.preferences subscribes MarkPhoneOptedOut: the event reaches the
    preferences on the recording use case's session, so a rollback undoes both."""
    user = User(new_id(), Username("ann"), "hash", Role.USER, NOW)
    async with container(scope=Scope.REQUEST) as request:
        await (await request.get(UserRepository)).add(user)
        prefs = ContactPreferences(
            user.id, NotifyPref.SMS, EmailAddress("a@b.co"), PhoneNumber(PHONE), NOW
        )
        await (await request.get(ContactPreferenceRepository)).save(prefs)
        await (await request.get(TransactionManager)).commit()

    async with container(scope=Scope.REQUEST) as request:
        await (await request.get(DomainEvents)).record(PhoneOptedOut(user.id, PHONE))
        await (await request.get(TransactionManager)).rollback()
    assert not await _opted_out(container, user.id)

    async with container(scope=Scope.REQUEST) as request:
        await (await request.get(DomainEvents)).record(PhoneOptedOut(user.id, PHONE))
        await (await request.get(TransactionManager)).commit()
    assert await _opted_out(container, user.id)
