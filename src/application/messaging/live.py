"""Live events of a conversation for its members' streams: kept in the event log with
the change that caused them (the same transaction), published after it commits. A
reconnecting stream replays the log from its `Last-Event-ID`; a published event only
saves it the wait."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from application.ports.clock import Clock
from application.ports.messaging import ConversationRepository, EventLog, LiveChannel
from domain.ids import MonotonicIds
from domain.messaging import LiveEvent, LiveKind, Member, Message


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def message_data(m: Message) -> dict[str, Any]:
    """A message as every member's stream gets it: without anyone's own receipts."""
    return {
        "id": str(m.id),
        "conversation_id": str(m.conversation_id),
        "sender": m.sender,
        "body": m.body,
        "attachments": [
            {"url": a.url, "content_type": a.content_type, "width": a.width, "height": a.height}
            for a in m.attachments
        ],
        "reactions": [{"emoji": r.emoji, "count": len(r.user_ids)} for r in m.reactions],
        "created_at": _time(m.created_at),
        "edited_at": _time(m.edited_at),
        "deleted": m.deleted,
    }


def members_data(conversation_id: UUID, members: Sequence[Member]) -> dict[str, Any]:
    return {
        "conversation_id": str(conversation_id),
        "members": [
            {"username": m.username, "role": m.role.value, "joined_at": _time(m.joined_at)}
            for m in members
        ],
    }


async def member_ids(conversations: ConversationRepository, conversation_id: UUID) -> list[UUID]:
    return [m.user_id for m in await conversations.members(conversation_id)]


class Broadcast:
    """Events of one unit of work: `record` them before the commit, `publish` after."""

    def __init__(
        self, log: EventLog, channel: LiveChannel, ids: MonotonicIds, clock: Clock
    ) -> None:
        self._log = log
        self._channel = channel
        self._ids = ids
        self._clock = clock
        self._staged: list[LiveEvent] = []

    def event(self, kind: LiveKind, data: dict[str, Any], to: Sequence[UUID]) -> LiveEvent:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return LiveEvent(self._ids(), kind, body, self._clock.now(), tuple(dict.fromkeys(to)))

    async def record(self, kind: LiveKind, data: dict[str, Any], to: Sequence[UUID]) -> None:
        event = self.event(kind, data, to)
        await self._log.add(event)
        self._staged.append(event)

    async def publish(self) -> None:
        """After the commit: what was recorded, to the streams now open."""
        staged, self._staged = self._staged, []
        for event in staged:
            await self._channel.publish(event)

    async def send_now(self, event: LiveEvent) -> None:
        """An event to the streams now open, at once: one that is not kept (typing), or
        one committed already (a posted message, `MessagePosts`)."""
        await self._channel.publish(event)
