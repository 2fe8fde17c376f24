"""Leads from Landbot: the MessageHooks webhook (stored at once, worked by a task), the
Webhook block's `POST /api/leads`, both behind Landbot's static token; `/leads` for
agents and admins."""

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka import AsyncContainer
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.params import FromPath, JSONBody, QueryParameter

from adapters.landbot.leads import LandbotWebhookAuth
from application.accounts.authenticate import Principal
from application.leads.get_lead import GetLead, LeadWithConversation
from application.leads.list_leads import Q_MAX, ListLeads, ListLeadsQuery
from application.leads.receive_messages import ReceiveLandbotMessages
from application.leads.record_lead import RecordLead, RecordLeadCommand
from application.paging import LIMITS
from application.policy import require_staff
from application.ports.clock import Clock
from application.ports.leads import LeadTicket
from domain.errors import FieldErrors, InvalidValue
from domain.instants import parse_instant
from domain.leads import (
    BODY_MAX,
    FieldValue,
    LandbotMessage,
    Lead,
    LeadMessage,
    customer_id,
    message_key,
)
from entrypoints.http.schemas import (
    EXAMPLE_ID,
    EXAMPLE_TIME,
    IdCursor,
    documented,
    problem_responses,
    text,
)
from entrypoints.http.security import SECURITY, allowed_by

LANDBOT_WEBHOOK_PATH = "/webhooks/landbot"
LANDBOT_BODY_MAX = 262_144  # a MessageHooks delivery: 256 KiB
MESSAGES_MAX = 100  # per delivery
# Landbot's timestamps are seconds since the epoch; past this they must be milliseconds.
_MILLISECONDS = 100_000_000_000

_Time = Annotated[datetime, documented(EXAMPLE_TIME)]
_Id = Annotated[UUID, documented(EXAMPLE_ID)]
_Limit = Annotated[int, QueryParameter(ge=1, le=LIMITS.maximum)]
_Short = Annotated[str, text("text", 64)]


async def landbot_token(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: Landbot's `Authorization: Token ...` (401 without it or wrong; 403 while no
    token is configured), before the body is read."""
    container: AsyncContainer = connection.state.dishka_container
    auth = await container.get(LandbotWebhookAuth)
    auth.check(connection.headers.get("authorization"))


# MessageHooks, as Landbot sends it.
class SenderIn(msgspec.Struct):
    type: _Short
    id: str | int | None = None
    name: str | None = None


class MessageIn(msgspec.Struct):
    type: _Short
    timestamp: Annotated[
        float | str,
        documented(1764662400.123, description="seconds since 1970; ISO 8601 text is taken too"),
    ]
    customer: Annotated[
        dict[str, Any],
        documented(
            {"id": 161808359, "name": "Lena", "email": "lena@example.com", "phone": "+34600111222"},
            description="Landbot's customer: id, name, email, phone and the bot's custom fields",
        ),
    ]
    sender: SenderIn
    data: Annotated[dict[str, Any], documented({"body": "Hi, I need help with my order"})] = {}
    channel: Annotated[dict[str, Any], documented({"id": 1, "name": "Web", "type": "landbot"})] = {}
    id: str | int | None = None
    raw_id: str | int | None = msgspec.field(default=None, name="_id")


class MessageHooksIn(msgspec.Struct):
    messages: list[MessageIn]


class ReceivedOut(msgspec.Struct):
    stored: Annotated[int, documented(1, description="new messages, handed to a worker")]
    repeated: Annotated[int, documented(0, description="delivered before: stored once")]


def _sent_at(raw: float | str) -> datetime:
    number: float
    if isinstance(raw, str):
        try:
            number = float(raw)
        except ValueError:
            return parse_instant(raw)
    else:
        number = raw
    seconds = number / 1000 if number >= _MILLISECONDS else number
    if not 0 < seconds < _MILLISECONDS:
        raise InvalidValue("must be Landbot's timestamp: seconds since 1970")
    return datetime.fromtimestamp(seconds, UTC)


def _text(raw: object, limit: int) -> str:
    if not isinstance(raw, str):
        raise InvalidValue("must be text")
    if len(raw) > limit:
        raise InvalidValue(f"must be at most {limit} characters")
    return raw


def landbot_messages(hooks: MessageHooksIn, now: datetime) -> list[LandbotMessage]:
    """A delivery's messages, checked: each needs its customer's id, a timestamp, a
    sender type and (if any) a text body of at most 10,000 characters; 422 naming each
    field otherwise."""
    errors = FieldErrors()
    if not 1 <= len(hooks.messages) <= MESSAGES_MAX:
        errors.add("messages", f"must hold 1 to {MESSAGES_MAX} messages")
    errors.raise_if_any()
    out: list[LandbotMessage] = []
    for i, m in enumerate(hooks.messages):
        at = f"messages[{i}]"
        raw_customer = m.customer.get("id")
        customer = errors.check(f"{at}.customer.id", customer_id, raw_customer or "")
        sent_at = errors.check(f"{at}.timestamp", _sent_at, m.timestamp)
        raw_body = m.data.get("body")
        message_body = None
        if raw_body is not None:
            message_body = errors.check(f"{at}.data.body", _text, raw_body, BODY_MAX)
        sender_name = None
        if m.sender.name is not None:
            sender_name = errors.check(f"{at}.sender.name", _text, m.sender.name, 200)
        if len(m.sender.type) > 32 or not m.sender.type:
            errors.add(f"{at}.sender.type", "must be 1 to 32 characters")
        if len(m.type) > 32 or not m.type:
            errors.add(f"{at}.type", "must be 1 to 32 characters")
        given = m.id if m.id is not None else m.raw_id
        out.append(
            LandbotMessage(
                message_key(
                    None if given is None else str(given), customer, m.timestamp, message_body
                ),
                customer,
                m.customer,
                m.sender.type,
                sender_name,
                m.type,
                message_body,
                m.data,
                m.channel,
                sent_at,
                now,
            )
        )
    errors.raise_if_any()
    return out


@post(
    LANDBOT_WEBHOOK_PATH,
    summary="Landbot MessageHooks (Authorization: Token ...): stored at once, worked by a task",
    description=(
        "Each message is stored once (by Landbot's message id, else a digest of the "
        "customer id, timestamp and body), so a retry or a second delivery stores nothing "
        "again; a worker records the customer as a lead, keeps the message in the lead's "
        "conversation (in the order sent, whatever the order of delivery), adds a "
        "customer's text to the lead's open ticket, and schedules the welcome email. 401 "
        "without the token or with a wrong one; 403 while HERALD_LANDBOT_WEBHOOK_TOKEN is "
        "not set; 413 past 256 KiB."
    ),
    tags=["webhooks", "leads"],
    status_code=200,
    guards=[landbot_token],
    request_max_body_size=LANDBOT_BODY_MAX,
    responses=problem_responses(401, 403, 413, 415, 422),
)
async def landbot_webhook(
    data: JSONBody[MessageHooksIn],
    receive: FromDishka[ReceiveLandbotMessages],
    clock: FromDishka[Clock],
) -> ReceivedOut:
    done = await receive(landbot_messages(data, clock.now()))
    return ReceivedOut(done.stored, done.repeated)


class LeadIn(msgspec.Struct, forbid_unknown_fields=True):
    customer_id: Annotated[str | int, documented(161808359, description="Landbot's customer id")]
    name: Annotated[str | None, text("Lena", 200)] = None
    email: Annotated[str | None, text("lena@example.com", 254)] = None
    phone: Annotated[str | int | None, documented("+34600111222")] = None
    topic: Annotated[
        str | None, text("support", 50, description="the ticket's topic; default support")
    ] = None
    message: Annotated[
        str | None, text("My order has not arrived", BODY_MAX, description="opens a ticket")
    ] = None
    fields: Annotated[
        dict[str, FieldValue] | None, documented({"plan": "pro"}, description="custom fields")
    ] = None


class LeadOut(msgspec.Struct):
    id: _Id
    recipient_id: _Id
    name: Annotated[str | None, documented("Lena")]
    email: Annotated[str | None, documented("lena@example.com")]
    phone: Annotated[str | None, documented("+34600111222")]
    fields: dict[str, FieldValue]
    welcome_notification_id: Annotated[
        UUID | None, documented(None, description="its welcome email, once scheduled")
    ]
    created_at: _Time
    updated_at: _Time

    @classmethod
    def of(cls, lead: Lead) -> "LeadOut":
        return cls(
            lead.id,
            lead.recipient_id,
            lead.name,
            lead.email,
            lead.phone,
            dict(lead.fields),
            lead.welcome_notification_id,
            lead.created_at,
            lead.updated_at,
        )


class RecordedOut(msgspec.Struct):
    lead: LeadOut
    external_id: Annotated[str, documented("landbot:161808359", description="its recipient's")]
    created: Annotated[bool, documented(True)]
    ticket_id: Annotated[UUID | None, documented(EXAMPLE_ID, description="with a message")]


@post(
    "/api/leads",
    summary="Landbot Webhook block (Authorization: Token ...): record or update a lead",
    description=(
        "Deduplicated by Landbot's customer id, then the email (any case), then the phone "
        "(E.164). With a `message`, a ticket is opened on `topic` (default support). A new "
        "lead with an email gets the welcome email HERALD_LEAD_WELCOME_DELAY_SECONDS later. "
        "201 for a new lead, 200 for one updated."
    ),
    tags=["leads"],
    guards=[landbot_token],
    responses=problem_responses(401, 403, 413, 415, 422),
)
async def record_lead(
    data: JSONBody[LeadIn], record: FromDishka[RecordLead]
) -> Response[RecordedOut]:
    done = await record(
        RecordLeadCommand(
            data.customer_id,
            data.name,
            data.email,
            data.phone,
            data.topic,
            data.message,
            data.fields or {},
        )
    )
    out = RecordedOut(LeadOut.of(done.lead), done.external_id, done.created, done.ticket_id)
    return Response(out, status_code=201 if done.created else 200)


class LeadPageOut(msgspec.Struct):
    items: list[LeadOut]
    next_cursor: Annotated[str | None, documented("AZNuAsf6cQKZ9T5rMYB2Ww")]


class LeadMessageOut(msgspec.Struct):
    sender_type: Annotated[str, documented("customer", description="customer, bot or agent")]
    sender_name: Annotated[str | None, documented("Lena")]
    type: Annotated[str, documented("text")]
    body: Annotated[str | None, documented("Hi, I need help with my order")]
    at: _Time
    channel: Annotated[str | None, documented("Web")]
    on_ticket: Annotated[bool, documented(False, description="also a comment on its ticket")]

    @classmethod
    def of(cls, m: LeadMessage) -> "LeadMessageOut":
        return cls(m.sender_type, m.sender_name, m.kind, m.body, m.at, m.channel, m.on_ticket)


class LeadTicketOut(msgspec.Struct):
    number: Annotated[int, documented(42, description="GET /tickets/{number} has the rest")]
    subject: str
    status: Annotated[str, documented("open")]
    created_at: _Time

    @classmethod
    def of(cls, t: LeadTicket) -> "LeadTicketOut":
        return cls(t.number, t.subject, t.status, t.created_at)


class LeadConversationOut(LeadOut, kw_only=True):
    external_id: Annotated[str, documented("landbot:161808359", description="its recipient's")]
    customer_ids: list[str]
    messages: list[LeadMessageOut]
    tickets: Annotated[list[LeadTicketOut], documented(description="the newest 50, newest first")]

    @classmethod
    def of_conversation(cls, c: LeadWithConversation) -> "LeadConversationOut":
        base = LeadOut.of(c.lead)
        return cls(
            **msgspec.structs.asdict(base),
            external_id=c.external_id,
            customer_ids=c.customers,
            messages=[LeadMessageOut.of(m) for m in c.messages],
            tickets=[LeadTicketOut.of(t) for t in c.tickets],
        )


class LeadController(Controller):
    path = "/leads"
    tags = ["leads"]
    security = SECURITY
    guards = [allowed_by(require_staff)]

    @get(
        summary="Leads in the order they came, for agents and admins; q: name, email or phone",
        responses=problem_responses(401, 403, 422),
    )
    async def list_all(
        self,
        principal: NamedDependency[Principal],
        list_leads: FromDishka[ListLeads],
        q: Annotated[str | None, QueryParameter(max_length=Q_MAX)] = None,
        limit: _Limit = LIMITS.default,
        cursor: IdCursor = None,
    ) -> LeadPageOut:
        page = await list_leads(ListLeadsQuery(principal.user, q, limit, cursor))
        return LeadPageOut([LeadOut.of(lead) for lead in page.items], page.next_cursor)

    @get(
        "/{lead_id:uuid}",
        summary="A lead with its Landbot customer ids and its conversation",
        responses=problem_responses(401, 403, 404),
    )
    async def read(
        self,
        principal: NamedDependency[Principal],
        lead_id: FromPath[UUID],
        get_lead: FromDishka[GetLead],
    ) -> LeadConversationOut:
        return LeadConversationOut.of_conversation(await get_lead(principal.user, lead_id))


LEAD_ROUTES: list[type[Controller] | HTTPRouteHandler] = [
    landbot_webhook,
    record_lead,
    LeadController,
]
