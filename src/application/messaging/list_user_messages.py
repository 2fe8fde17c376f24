from dataclasses import dataclass

from application.messaging.access import find_user
from application.messaging.config import MessagingConfig
from application.messaging.deliveries import Deliveries
from application.paging import ID_CURSORS, LIMITS, Page, page_of
from application.ports.clock import Clock
from application.ports.messaging import (
    ConversationRepository,
    MessageRepository,
    RenderedPage,
    RenderedPages,
    UserDirectory,
)
from domain.accounts import User
from domain.errors import FieldErrors
from domain.instants import parse_instant
from domain.messaging import Message, direct_key


@dataclass(frozen=True, slots=True)
class ListUserMessagesQuery:
    requester: User
    user_name: str
    since: str | None = None  # ISO 8601 with an offset
    limit: int = LIMITS.default
    cursor: str | None = None


class ListUserMessages:
    """The seed's `GET /api/messages/{user_name}`, newest first, a page at a time. The
    caller's own name: every message they sent or received, in every conversation;
    another user's: the caller's direct conversation with them (empty when they never
    wrote; NotFound for an unknown user). No older than `since`, by default the
    configured window (30 days). Nobody, admins included, reads others' messages. The
    caller's copies are delivered now.

    Where the store renders pages itself (`rendered`, on PostgreSQL), the page comes
    back in its wire form: the rules above are the same, decided here."""

    def __init__(
        self,
        directory: UserDirectory,
        conversations: ConversationRepository,
        messages: MessageRepository,
        clock: Clock,
        config: MessagingConfig,
        deliveries: Deliveries,
        rendered: RenderedPages | None,
    ) -> None:
        self._rendered = rendered
        self._deliveries = deliveries
        self._directory = directory
        self._conversations = conversations
        self._messages = messages
        self._clock = clock
        self._config = config

    async def __call__(self, q: ListUserMessagesQuery) -> Page[Message] | RenderedPage:
        errors = FieldErrors()
        limit = errors.check("limit", LIMITS.check, q.limit)
        before = errors.check("cursor", ID_CURSORS.decode, q.cursor)
        since = None if q.since is None else errors.check("since", parse_instant, q.since)
        errors.raise_if_any()
        now = self._clock.now()
        since = since or now - self._config.default_window
        me = q.requester
        other = await find_user(self._directory, q.user_name)
        rendered = self._rendered
        if other.user_id == me.id:
            if rendered is not None:
                shown = await rendered.of_user(me.id, before, since, limit, now)
                return await self._deliveries.rendered(me.id, shown, now)
            rows = await self._messages.of_user(me.id, before, since, limit + 1)
        else:
            direct = await self._conversations.direct(direct_key(me.id, other.user_id))
            if direct is None:
                return Page([], None)
            if rendered is not None:
                shown = await rendered.in_conversation(me.id, direct.id, before, since, limit, now)
                return await self._deliveries.rendered(me.id, shown, now)
            rows = await self._messages.in_conversation(direct.id, before, None, limit + 1, since)
        page = page_of(rows, limit, lambda m: m.id, ID_CURSORS)
        return Page(await self._deliveries.reached(me.id, page.items), page.next_cursor)
