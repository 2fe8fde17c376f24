"""/subscriptions: a phone's SMS subscription to the program's updates (the seed's
`GET /run`, done as a POST), its conversation, and unsubscribing; Twilio's inbound SMS
webhook, which stores a reply and answers empty TwiML at once."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, delete, get, post
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from adapters.twilio.inbound import TwilioInboundSms
from application.paging import LIMITS
from application.ports.clock import Clock
from application.subscriptions.get_subscription import Conversation, GetSubscription
from application.subscriptions.list_subscriptions import (
    ListSubscriptions,
    ListSubscriptionsQuery,
)
from application.subscriptions.receive_sms import ReceiveSms
from application.subscriptions.subscribe import (
    AlreadySubscribed,
    Subscribe,
    SubscribeCommand,
)
from application.subscriptions.unsubscribe import Unsubscribe
from domain.recipients import EXTERNAL_ID_MAX
from domain.subscriptions import INBOUND_BODY_MAX, Subscription
from entrypoints.http.bodies import FORM, media_type, unsupported
from entrypoints.http.paths import TWILIO_INBOUND_PATH
from entrypoints.http.problems import problem
from entrypoints.http.schemas import (
    EXAMPLE_ID,
    EXAMPLE_TIME,
    IdCursor,
    body_operation,
    documented,
    problem_responses,
    text,
)
from entrypoints.http.security import SECURITY_WITH_KEYS, CallerDependency

_Time = Annotated[datetime, documented(EXAMPLE_TIME)]
_Id = Annotated[UUID, documented(EXAMPLE_ID)]
_Phone = Annotated[str, documented("+15105552054")]
_Limit = Annotated[int, QueryParameter(ge=1, le=LIMITS.maximum)]


class SubscribeIn(msgspec.Struct, forbid_unknown_fields=True):
    phone: Annotated[
        str | None,
        text("+15105552054", 32, description="E.164; a user's request needs it"),
    ] = None
    recipient: Annotated[
        str | None,
        text(
            "crm-1042",
            EXTERNAL_ID_MAX,
            description="an API key names the recipient (external id) whose phone it is",
        ),
    ] = None


class SubscriptionOut(msgspec.Struct):
    id: _Id
    phone: _Phone
    program: Annotated[str, documented("Herald updates")]
    status: Annotated[str, documented("pending")]
    created_at: _Time
    updated_at: _Time
    expires_at: Annotated[
        datetime, documented(EXAMPLE_TIME, description="a pending subscription expires then")
    ]

    @classmethod
    def of(cls, s: Subscription) -> "SubscriptionOut":
        return cls(
            s.id, s.phone, s.program, s.status.value, s.created_at, s.updated_at, s.expires_at
        )


class SubscriptionPageOut(msgspec.Struct):
    items: list[SubscriptionOut]
    next_cursor: Annotated[str | None, documented("AZNuAsf6cQKZ9T5rMYB2Ww")]


class MessageOut(msgspec.Struct):
    direction: Annotated[str, documented("inbound")]
    body: Annotated[str, documented("YES")]
    at: _Time
    kind: Annotated[str | None, documented(None, description="outbound: why Herald texted")]
    notification_id: Annotated[UUID | None, documented(None, description="outbound")]
    status: Annotated[
        str | None, documented(None, description="outbound: the notification's status")
    ]
    message_sid: Annotated[str | None, documented("SM0123456789abcdef0123456789abcdef")]
    intent: Annotated[str | None, documented("affirm", description="inbound: how it was read")]
    confidence: Annotated[float | None, documented(0.97)]
    classifier: Annotated[
        str | None, documented("local", description="inbound: keyword, local or rasa")
    ]


class ChangeOut(msgspec.Struct):
    from_status: Annotated[str | None, documented("pending")]
    to_status: Annotated[str, documented("active")]
    at: _Time
    reason: Annotated[str, documented("replied: YES")]


class ConversationOut(SubscriptionOut, kw_only=True):
    messages: list[MessageOut]
    changes: list[ChangeOut]

    @classmethod
    def of_conversation(cls, c: Conversation) -> "ConversationOut":
        s = c.subscription
        messages = [
            MessageOut(
                m.direction.value,
                m.body,
                m.at,
                None if m.kind is None else m.kind.value,
                m.notification_id,
                None if status is None else status.value,
                m.message_sid,
                None if m.intent is None else m.intent.value,
                m.confidence,
                m.classifier,
            )
            for m, status in c.messages
        ]
        changes = [
            ChangeOut(
                None if ch.from_status is None else ch.from_status.value,
                ch.to_status.value,
                ch.at,
                ch.reason,
            )
            for ch in c.changes
        ]
        return cls(
            id=s.id,
            phone=s.phone,
            program=s.program,
            status=s.status.value,
            created_at=s.created_at,
            updated_at=s.updated_at,
            expires_at=s.expires_at,
            messages=messages,
            changes=changes,
        )


class SubscriptionController(Controller):
    path = "/subscriptions"
    tags = ["subscriptions"]
    security = SECURITY_WITH_KEYS

    @post(
        summary="Subscribe a phone to the program's updates: 202 and the confirmation SMS",
        description=(
            "Double opt-in: the phone gets a confirmation text and is subscribed once it "
            "replies YES. A user gives `phone`; an API key (subscriptions:write) names a "
            "`recipient` with a phone. 409 with the subscription for a phone already "
            "subscribed, or one that replied STOP (it must text START); a pending one is "
            "answered again, its confirmation resent at most once a minute. 429 with "
            "Retry-After past the anti-pumping limits."
        ),
        status_code=HTTP_202_ACCEPTED,
        responses=problem_responses(401, 403, 404, 409, 413, 415, 422, 429),
    )
    async def subscribe(
        self,
        request: Request[Any, Any, Any],
        caller: CallerDependency,
        data: JSONBody[SubscribeIn],
        subscribe: FromDishka[Subscribe],
    ) -> Response[Any]:
        try:
            done = await subscribe(SubscribeCommand(caller, data.phone, data.recipient))
        except AlreadySubscribed as exists:
            return problem(
                request,
                409,
                exists.message,
                subscription=msgspec.to_builtins(SubscriptionOut.of(exists.subscription)),
            )
        return Response(SubscriptionOut.of(done.subscription), status_code=HTTP_202_ACCEPTED)

    @get(
        summary="Subscriptions, oldest first: a user's own; every one for admins and keys",
        responses=problem_responses(401, 403, 422),
    )
    async def list_all(
        self,
        caller: CallerDependency,
        list_subscriptions: FromDishka[ListSubscriptions],
        limit: _Limit = LIMITS.default,
        cursor: IdCursor = None,
    ) -> SubscriptionPageOut:
        page = await list_subscriptions(ListSubscriptionsQuery(caller, limit, cursor))
        return SubscriptionPageOut([SubscriptionOut.of(s) for s in page.items], page.next_cursor)

    @get(
        "/{subscription_id:uuid}",
        summary="A subscription and its conversation: messages, intents, state changes",
        responses=problem_responses(401, 403, 404),
    )
    async def read(
        self,
        caller: CallerDependency,
        subscription_id: FromPath[UUID],
        get_one: FromDishka[GetSubscription],
    ) -> ConversationOut:
        return ConversationOut.of_conversation(await get_one(caller, subscription_id))

    @delete(
        "/{subscription_id:uuid}",
        summary="Unsubscribe: the updates not yet sent are canceled, a confirmation SMS follows",
        status_code=200,
        responses=problem_responses(401, 403, 404, 409),
    )
    async def unsubscribe(
        self,
        caller: CallerDependency,
        subscription_id: FromPath[UUID],
        unsubscribe: FromDishka[Unsubscribe],
    ) -> SubscriptionOut:
        return SubscriptionOut.of(await unsubscribe(caller, subscription_id))


EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
_INBOUND_OPERATION = body_operation(
    {
        FORM: Schema(
            type=OpenAPIType.OBJECT,
            properties={
                "MessageSid": Schema(
                    type=OpenAPIType.STRING, examples=["SM0123456789abcdef0123456789abcdef"]
                ),
                "From": Schema(type=OpenAPIType.STRING, examples=["+15105552054"]),
                "To": Schema(type=OpenAPIType.STRING, examples=["+15005550006"]),
                "Body": Schema(
                    type=OpenAPIType.STRING, max_length=INBOUND_BODY_MAX, examples=["YES"]
                ),
                "AccountSid": Schema(
                    type=OpenAPIType.STRING, examples=["AC0123456789abcdef0123456789abcdef"]
                ),
                "NumMedia": Schema(type=OpenAPIType.STRING, examples=["0"]),
            },
            required=["MessageSid", "From", "To"],
            description="and whatever else Twilio sends: every field is signed",
        )
    }
)


async def receive_form(
    request: Request[Any, Any, Any],
    inbound: TwilioInboundSms,
    receive: ReceiveSms,
    clock: Clock,
) -> Response[str]:
    """Verify, store and hand over one inbound message; empty TwiML (no reply now: the
    worker's answer, if any, is a message of its own)."""
    if media_type(request) != FORM:
        raise unsupported(FORM)
    form = {key: str(value) for key, value in (await request.form()).items()}
    query = request.scope.get("query_string", b"").decode("latin-1")
    await receive(inbound.message(query, form, request.headers, clock.now()))
    return Response(EMPTY_TWIML, media_type="text/xml")


@post(
    TWILIO_INBOUND_PATH,
    summary="Twilio incoming SMS webhook (form POST, signed with X-Twilio-Signature)",
    description=(
        "Stored once per MessageSid (Twilio retries) and answered at once with empty "
        "TwiML; a worker reads the reply (compliance keywords first, then the intent "
        "classifier) and acts."
    ),
    tags=["webhooks"],
    status_code=200,
    operation_class=_INBOUND_OPERATION,
    responses=problem_responses(403, 413, 415, 422),
)
async def twilio_inbound(
    request: Request[Any, Any, Any],
    inbound: FromDishka[TwilioInboundSms],
    receive: FromDishka[ReceiveSms],
    clock: FromDishka[Clock],
) -> Response[str]:
    return await receive_form(request, inbound, receive, clock)
