"""/dev/outbox: what the console senders 'sent' (embedded default only)."""

from datetime import datetime

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import get
from litestar.exceptions import NotFoundException

from adapters.providers.console import DevOutbox
from entrypoints.http.schemas import problem_responses
from entrypoints.settings import Settings


class OutboxEntryOut(msgspec.Struct):
    channel: str
    to: str
    subject: str | None
    body: str
    reference: str
    provider_message_id: str
    sent_at: datetime


@get(
    "/dev/outbox",
    tags=["dev"],
    summary="Messages the console senders recorded (embedded default only; 404 otherwise)",
    responses=problem_responses(404),
)
async def dev_outbox(
    settings: FromDishka[Settings], outbox: FromDishka[DevOutbox]
) -> list[OutboxEntryOut]:
    if not settings.embedded:
        raise NotFoundException()
    return [
        OutboxEntryOut(
            e.channel, e.to, e.subject, e.body, e.reference, e.provider_message_id, e.sent_at
        )
        for e in reversed(outbox.entries())
    ]
