from uuid import UUID

from application.ports.messaging import EventLog
from domain.accounts import User
from domain.messaging import LiveEvent

REPLAY_PAGE = 500


class ReplayEvents:
    """What a stream missed: the caller's kept events after `after` (its
    `Last-Event-ID`), oldest first, a page at a time."""

    def __init__(self, log: EventLog) -> None:
        self._log = log

    async def __call__(self, user: User, after: UUID) -> list[LiveEvent]:
        return await self._log.after(user.id, after, REPLAY_PAGE)
