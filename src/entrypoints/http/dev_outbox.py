"""/dev/outbox: what the console senders 'sent' (embedded default, admins only)."""

import base64
import binascii
from datetime import datetime
from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter

from adapters.console.notifications import DevOutbox
from application.accounts.authenticate import Principal
from domain.errors import InvalidInput
from domain.preferences import Channel
from entrypoints.http.schemas import EXAMPLE_ID, EXAMPLE_TIME, documented, problem_responses
from entrypoints.http.security import SECURITY, current_admin, current_principal
from entrypoints.settings import Settings


class OutboxEntryOut(msgspec.Struct):
    channel: Channel
    to: Annotated[str, documented("ann@example.com")]
    subject: Annotated[str | None, documented("Reminder")]
    body: Annotated[str, documented("Dentist at 3pm")]
    reference: Annotated[str, documented(EXAMPLE_ID, description="the notification's id")]
    provider_message_id: Annotated[str, documented("EMdev00000001")]
    sent_at: Annotated[datetime, documented(EXAMPLE_TIME)]


class OutboxPageOut(msgspec.Struct):
    items: list[OutboxEntryOut]
    next_cursor: Annotated[str | None, documented("NDI")]


def _cursor(number: int | None) -> str | None:
    if number is None:
        return None
    return base64.urlsafe_b64encode(str(number).encode()).decode().rstrip("=")


def _number(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput.field("cursor", "is not a cursor this API returned") from None


@get(
    "/dev/outbox",
    tags=["dev"],
    summary="Messages the console senders recorded, newest first (embedded default, admins)",
    description="404 outside the embedded default, where no console sender runs in the API.",
    security=SECURITY,
    dependencies={"principal": Provide(current_principal), "admin": Provide(current_admin)},
    responses=problem_responses(401, 403, 404, 422),
)
async def dev_outbox(
    admin: NamedDependency[Principal],
    settings: FromDishka[Settings],
    outbox: FromDishka[DevOutbox],
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, QueryParameter(max_length=32)] = None,
) -> OutboxPageOut:
    if not settings.mode.embedded:
        raise NotFoundException()
    entries, before = outbox.newest(limit, _number(cursor))
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
            )
            for e in entries
        ],
        _cursor(before),
    )
