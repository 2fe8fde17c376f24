"""/dev/outbox: what the console senders 'sent' (embedded default, admins only)."""

from datetime import datetime
from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import get
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter

from adapters.console.notifications import DevOutbox
from application.paging import LIMITS, NUMBER_CURSORS
from domain.errors import FieldErrors
from domain.preferences import Channel
from entrypoints.http.schemas import EXAMPLE_ID, EXAMPLE_TIME, documented, problem_responses
from entrypoints.http.security import SECURITY, admin_only
from entrypoints.settings import Settings


class OutboxEntryOut(msgspec.Struct):
    channel: Channel
    to: Annotated[str, documented("ann@example.com")]
    subject: Annotated[str | None, documented("Reminder")]
    body: Annotated[str, documented("Dentist at 3pm")]
    reference: Annotated[str, documented(EXAMPLE_ID, description="the notification's id")]
    provider_message_id: Annotated[str, documented("EMdev00000001")]
    sent_at: Annotated[datetime, documented(EXAMPLE_TIME)]
    html: Annotated[
        str | None,
        documented(
            "<p>Dentist at <b>3pm</b></p>",
            description="an email's HTML part, as text: render it only in a sandbox",
        ),
    ]


class OutboxPageOut(msgspec.Struct):
    items: list[OutboxEntryOut]
    next_cursor: Annotated[str | None, documented("NDI")]


@get(
    "/dev/outbox",
    tags=["dev"],
    summary="Messages the console senders recorded, newest first (embedded default, admins)",
    description="404 outside the embedded default, where no console sender runs in the API.",
    security=SECURITY,
    guards=[admin_only],
    responses=problem_responses(401, 403, 404, 422),
)
async def dev_outbox(
    settings: FromDishka[Settings],
    outbox: FromDishka[DevOutbox],
    limit: Annotated[int, QueryParameter(ge=1, le=LIMITS.maximum)] = LIMITS.default,
    cursor: Annotated[str | None, QueryParameter(max_length=32)] = None,
) -> OutboxPageOut:
    if not settings.mode.embedded:
        raise NotFoundException()
    errors = FieldErrors()
    before = errors.check("cursor", NUMBER_CURSORS.decode, cursor)
    errors.raise_if_any()
    page = outbox.newest(limit, before)
    return OutboxPageOut(
        [
            OutboxEntryOut(
                Channel(e.channel),
                e.to,
                e.subject,
                e.body,
                e.reference,
                e.provider_message_id,
                e.sent_at,
                e.html,
            )
            for e in page.items
        ],
        page.next_cursor,
    )
