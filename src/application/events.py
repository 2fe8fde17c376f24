"""Domain events: how one capability reacts to what happened in another without calling
its use cases.

A use case records what happened (`await events.record(PhoneOptedOut(...))`); the handlers
registered for that event type run at once, awaited in order, on the same unit of work:
they are built in the same REQUEST (or task) scope, so they share the use case's session
and are committed or rolled back with it. A handler that raises fails the use case.
Handlers are registered by the container module of the capability that reacts
(entrypoints/ioc/<capability>.py), so the recording capability does not know who listens.

This runs only inside one transaction. A reaction that must happen even if the process
dies after the commit (sending an SMS or an email, calling a provider) does not belong in
a handler: it goes through the engine's outbox, a row in the notifications table that the
dispatcher and the send queue deliver at least once.
"""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

E = TypeVar("E")
Handler = Callable[[E], Awaitable[None]]


class DomainEvents:
    """The dispatcher of one unit of work."""

    def __init__(self) -> None:
        self._handlers: dict[type[Any], list[Handler[Any]]] = {}

    def subscribe(self, event_type: type[E], handler: Handler[E]) -> None:
        self._handlers.setdefault(event_type, []).append(handler)

    async def record(self, event: object) -> None:
        """Run the handlers of `event`'s type, in the order they subscribed."""
        for handler in self._handlers.get(type(event), ()):
            await handler(event)
