"""/tickets: support tickets, for agents and admins (a user's token or an API key: 403)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from application.accounts.authenticate import Principal
from application.paging import LIMITS
from application.policy import require_staff
from application.tickets.comment_on_ticket import CommentOnTicket, CommentOnTicketCommand
from application.tickets.get_ticket import GetTicket, TicketView
from application.tickets.list_tickets import ListTickets, ListTicketsQuery
from application.tickets.open_ticket import OpenTicket, OpenTicketCommand
from application.tickets.update_ticket import KEEP, UpdateTicket, UpdateTicketCommand
from domain.accounts import USERNAME_MAX
from domain.recipients import EXTERNAL_ID_MAX
from domain.tickets import (
    BODY_MAX,
    DEFAULT_TOPICS,
    SUBJECT_MAX,
    EventKind,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from entrypoints.http.schemas import (
    EXAMPLE_ID,
    EXAMPLE_TIME,
    NOT_BLANK,
    documented,
    problem_responses,
    rules,
    text,
)
from entrypoints.http.security import SECURITY, allowed_by

# What Username accepts (it folds the case).
USERNAME_PATTERN = "^[A-Za-z0-9_.-]{3,32}$"
_Time = Annotated[datetime, documented(EXAMPLE_TIME)]
_Id = Annotated[UUID, documented(EXAMPLE_ID)]
_Limit = Annotated[int, QueryParameter(ge=1, le=LIMITS.maximum)]
_StatusFilter = Annotated[str | None, QueryParameter(**rules(enum=[*TicketStatus]))]
_PriorityFilter = Annotated[str | None, QueryParameter(**rules(enum=[*Priority]))]
_TopicFilter = Annotated[
    str | None,
    QueryParameter(
        **rules(enum=list(DEFAULT_TOPICS)),
        description="one of HERALD_TICKET_TOPICS (the schema shows the default ones)",
    ),
]
_AssigneeFilter = Annotated[
    str | None,
    QueryParameter(**rules(pattern=USERNAME_PATTERN), min_length=3, max_length=USERNAME_MAX),
]
_Cursor = Annotated[
    str | None,
    QueryParameter(
        **rules(pattern="^[0-9]{1,10}$"),
        max_length=10,
        description="`next_cursor` of the previous page",
    ),
]


_TOPIC_DOC = documented(
    "support",
    description="one of HERALD_TICKET_TOPICS (the schema shows the default ones)",
    schema_extra={"enum": list(DEFAULT_TOPICS)},
)
_USERNAME_DOC = {"pattern": USERNAME_PATTERN, "min_length": 3, "max_length": USERNAME_MAX}


class TicketIn(msgspec.Struct, forbid_unknown_fields=True):
    requester: Annotated[
        str,
        text("landbot:123456", EXTERNAL_ID_MAX, 1, description="the customer's external id"),
    ]
    subject: Annotated[str, text("My order has not arrived", SUBJECT_MAX, 1, pattern=NOT_BLANK)]
    body: Annotated[
        str, text("I ordered on Monday and nothing yet.", BODY_MAX, 1, pattern=NOT_BLANK)
    ]
    topic: Annotated[str, _TOPIC_DOC] = "support"
    priority: Priority = Priority.NORMAL


class TicketChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    status: Annotated[
        TicketStatus | None, documented("pending", description="absent or null: unchanged")
    ] = None
    priority: Annotated[
        Priority | None, documented("high", description="absent or null: unchanged")
    ] = None
    assignee: Annotated[
        str | msgspec.UnsetType | None,
        documented(
            "sam",
            description="an enabled agent's or admin's username (404 otherwise); null: unassigned",
            **_USERNAME_DOC,
        ),
    ] = msgspec.UNSET


class CommentIn(msgspec.Struct, forbid_unknown_fields=True):
    body: Annotated[str, text("We have sent a new one today.", BODY_MAX, 1, pattern=NOT_BLANK)]
    public: Annotated[
        bool, documented(True, description="true: the customer is sent it; false: staff only")
    ] = True


class TicketOut(msgspec.Struct):
    id: _Id
    number: Annotated[int, documented(42)]
    subject: str
    body: str
    topic: Annotated[str, documented("support")]
    priority: Priority
    status: TicketStatus
    requester_id: Annotated[UUID | None, documented(EXAMPLE_ID, description="null: erased")]
    assignee: Annotated[str | None, documented("sam")]
    created_at: _Time
    updated_at: _Time
    solved_at: Annotated[datetime | None, documented(EXAMPLE_TIME)]

    @classmethod
    def of(cls, t: Ticket) -> "TicketOut":
        return cls(
            t.id,
            t.number,
            t.subject,
            t.body,
            t.topic,
            t.priority,
            t.status,
            t.requester_id,
            t.assignee,
            t.created_at,
            t.updated_at,
            t.solved_at,
        )


class TicketPageOut(msgspec.Struct):
    items: list[TicketOut]
    next_cursor: Annotated[str | None, documented("41")]


class RequesterOut(msgspec.Struct):
    id: _Id
    external_id: Annotated[str, documented("landbot:123456")]
    name: str | None
    email: str | None


class TimelineEntryOut(msgspec.Struct):
    id: _Id
    kind: EventKind
    author: Annotated[
        str | None, documented("sam", description="a staff username; null: the customer or Herald")
    ]
    created_at: _Time
    body: str | None = None
    public: bool | None = None
    old: Annotated[str | None, documented("open")] = None
    new: Annotated[str | None, documented("pending")] = None

    @classmethod
    def of(cls, e: TicketEvent) -> "TimelineEntryOut":
        return cls(e.id, e.kind, e.author, e.created_at, e.body, e.public, e.old, e.new)


class TicketDetailOut(TicketOut, kw_only=True):
    requester: RequesterOut | None
    timeline: list[TimelineEntryOut]

    @classmethod
    def of_view(cls, view: TicketView) -> "TicketDetailOut":
        t, r = view.ticket, view.requester
        requester = None
        if r is not None:
            email = None if r.contact.email is None else r.contact.email.value
            requester = RequesterOut(r.id, r.external_id.value, r.contact.name, email)
        return cls(
            **msgspec.structs.asdict(TicketOut.of(t)),
            requester=requester,
            timeline=[TimelineEntryOut.of(e) for e in view.timeline],
        )


class TicketController(Controller):
    path = "/tickets"
    tags = ["tickets"]
    security = SECURITY
    guards = [allowed_by(require_staff)]  # the use cases ask the policy too

    @post(
        summary="Open a ticket for a customer (a recipient, by external id)",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(401, 403, 404, 413, 415, 422),
    )
    async def open(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[TicketIn],
        open_ticket: FromDishka[OpenTicket],
    ) -> TicketOut:
        cmd = OpenTicketCommand(
            requester_id=None,
            requester=data.requester,
            topic=data.topic,
            subject=data.subject,
            body=data.body,
            priority=data.priority,
            opened_by=principal.user,
        )
        return TicketOut.of(await open_ticket(cmd))

    @get(
        summary="Tickets, newest first, filtered by status, topic, assignee and priority",
        responses=problem_responses(401, 403, 422),
    )
    async def list_tickets(
        self,
        principal: NamedDependency[Principal],
        list_tickets: FromDishka[ListTickets],
        status: _StatusFilter = None,
        topic: _TopicFilter = None,
        assignee: _AssigneeFilter = None,
        priority: _PriorityFilter = None,
        limit: _Limit = LIMITS.default,
        cursor: _Cursor = None,
    ) -> TicketPageOut:
        query = ListTicketsQuery(principal.user, status, topic, assignee, priority, limit, cursor)
        page = await list_tickets(query)
        return TicketPageOut([TicketOut.of(t) for t in page.items], page.next_cursor)

    @get(
        "/{number:int}",
        summary="A ticket with its requester and its timeline",
        responses=problem_responses(401, 403, 404),
    )
    async def read(
        self,
        principal: NamedDependency[Principal],
        number: FromPath[int],
        get_ticket: FromDishka[GetTicket],
    ) -> TicketDetailOut:
        return TicketDetailOut.of_view(await get_ticket(principal.user, number))

    @patch(
        "/{number:int}",
        summary="Change a ticket's status, priority or assignee",
        description=(
            "Statuses move `new -> open -> pending -> solved -> closed`, `pending -> open`, "
            "`solved -> open`; any other move, or a change of a closed ticket, is a 409."
        ),
        responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
    )
    async def update(
        self,
        principal: NamedDependency[Principal],
        number: FromPath[int],
        data: JSONBody[TicketChangeIn],
        update_ticket: FromDishka[UpdateTicket],
    ) -> TicketOut:
        assignee = KEEP if data.assignee is msgspec.UNSET else data.assignee
        cmd = UpdateTicketCommand(principal.user, number, data.status, data.priority, assignee)
        return TicketOut.of(await update_ticket(cmd))

    @post(
        "/{number:int}/comments",
        summary="Comment on a ticket: public (the customer is sent it) or private",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
    )
    async def comment(
        self,
        principal: NamedDependency[Principal],
        number: FromPath[int],
        data: JSONBody[CommentIn],
        comment: FromDishka[CommentOnTicket],
    ) -> TimelineEntryOut:
        cmd = CommentOnTicketCommand(principal.user, number, data.body, data.public)
        return TimelineEntryOut.of(await comment(cmd))
