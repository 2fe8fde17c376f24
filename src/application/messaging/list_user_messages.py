from dataclasses import dataclass

from application.messaging.access import no_user, user_name
from application.messaging.config import MessagingConfig
from application.messaging.deliveries import Deliveries
from application.paging import ID_CURSORS, LIMITS, Page, page_of
from application.ports.clock import Clock
from application.ports.messaging import (
    DirectRoutes,
    MessageRepository,
    RenderedPage,
    RenderedPages,
)
from domain.accounts import User
from domain.errors import FieldErrors
from domain.instants import parse_instant
from domain.messaging import Message


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
    back in its wire form, and the store finds the user in the same read: the rules
    above are the same (`RenderedPages.of_name` states which page a name means)."""

    def __init__(
        self,
        routes: DirectRoutes,
        messages: MessageRepository,
        clock: Clock,
        config: MessagingConfig,
        deliveries: Deliveries,
        rendered: RenderedPages | None,
    ) -> None:
        self._rendered = rendered
        self._deliveries = deliveries
        self._routes = routes
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
        name = user_name(q.user_name)
        if self._rendered is not None:  # the user found and the page read in one go
            shown = await self._rendered.of_name(me.id, name, before, since, limit, now)
            if shown is None:
                raise no_user(name)
            return await self._deliveries.rendered(me.id, shown, now)
        route = await self._routes.find(me.id, name)
        if route is None:
            raise no_user(name)
        if route.recipient.user_id == me.id:
            rows = await self._messages.of_user(me.id, before, since, limit + 1)
        else:
            direct = route.conversation
            if direct is None:
                return Page([], None)
            rows = await self._messages.in_conversation(direct.id, before, None, limit + 1, since)
        page = page_of(rows, limit, lambda m: m.id, ID_CURSORS)
        return Page(await self._deliveries.reached(me.id, page.items), page.next_cursor)
