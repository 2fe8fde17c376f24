"""/notifications: create (now or at `sendtime`), list, read with history, cancel; and the
admins' activity view, /admin/notifications."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from application.accounts.authenticate import Principal
from application.notifications.cancel_notification import CancelNotification
from application.notifications.get_notification import GetNotification
from application.notifications.list_activity import ActivityQuery, ListActivity
from application.notifications.list_notifications import ListNotifications, ListNotificationsQuery
from application.notifications.schedule_notification import (
    ScheduleNotification,
    ScheduleNotificationCommand,
)
from application.paging import LIMITS
from application.policy import require_activity_view
from domain.notifications import (
    IDEMPOTENCY_KEY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Notification,
    NotificationEvent,
    Status,
)
from domain.preferences import Channel
from domain.recipients import EXTERNAL_ID_MAX
from domain.templates import KEY_MAX as TEMPLATE_KEY_MAX
from domain.templates import sms_segments
from entrypoints.http.schemas import (
    EXAMPLE_ID,
    EXAMPLE_TIME,
    EXAMPLE_USER_ID,
    NOT_BLANK,
    IdCursor,
    documented,
    problem_responses,
    rules,
)
from entrypoints.http.schemas import text as text_rules
from entrypoints.http.security import (
    SECURITY,
    SECURITY_WITH_KEYS,
    CallerDependency,
    allowed_by,
)


class NotificationIn(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[
        str | None,
        text_rules("Dentist at 3pm", TEXT_MAX, 1, pattern=NOT_BLANK, description="unless template"),
    ] = None
    title: Annotated[str | None, text_rules("Reminder", TITLE_MAX)] = None
    sendtime: Annotated[
        str | None,
        documented(
            "2026-11-22T14:00:00-08:00",
            format="date-time",
            description="ISO 8601 with an offset; missing or in the past means now",
        ),
    ] = None
    channel: Annotated[
        str | None,
        documented("sms", enum=[*Channel, None], description="one channel; or `channels`"),
    ] = None
    channels: Annotated[
        list[str] | None,
        documented(
            None,
            description="the channels to send to, one notification each; default: every "
            "channel the recipient has on",
            max_items=len(Channel),
        ),
    ] = None
    user_id: Annotated[
        UUID | None,
        documented(
            None,
            description="another user to notify (admins only); your own id is the same as "
            "leaving it out",
        ),
    ] = None
    recipient: Annotated[
        str | None,
        text_rules(
            "crm-1042",
            EXTERNAL_ID_MAX,
            1,
            description="a recipient's external id (admins, API keys with notifications:write)",
        ),
    ] = None
    urgent: Annotated[
        bool, documented(False, description="send even inside the recipient's quiet hours")
    ] = False
    template: Annotated[
        str | None,
        text_rules("appointment-reminder", TEMPLATE_KEY_MAX, 1, description="instead of text"),
    ] = None
    data: Annotated[dict[str, Any], documented({}, description="the template's variables")] = (
        msgspec.field(default_factory=dict)
    )


_Id = Annotated[UUID, documented(EXAMPLE_ID)]
_UserId = Annotated[UUID, documented(EXAMPLE_USER_ID)]
_Time = Annotated[datetime, documented(EXAMPLE_TIME)]
_Cursor = Annotated[str | None, documented("AaIAXbRwf2qbK3x8pqFDaA")]


class NotificationOut(msgspec.Struct):
    id: _Id
    user_id: Annotated[
        UUID | None, documented(EXAMPLE_USER_ID, description="the recipient's account")
    ]
    created_by: Annotated[
        UUID | None,
        documented(EXAMPLE_USER_ID, description="the user who sent it; null: an API key"),
    ]
    recipient_id: Annotated[UUID | None, documented(EXAMPLE_ID, description="the recipient")]
    group_id: Annotated[UUID, documented(EXAMPLE_ID, description="one per POST")]
    due_at: Annotated[
        datetime, documented("2026-11-22T22:00:00Z", description="later in quiet hours")
    ]
    status: Status
    channel: Channel
    to: Annotated[str, documented("+15105552054")]
    title: Annotated[str | None, documented("Reminder")]
    text: Annotated[str, documented("Dentist at 3pm")]
    sendtime: Annotated[datetime, documented("2026-11-22T22:00:00Z")]
    created_at: _Time
    segments: Annotated[
        int | None, documented(1, description="how many SMS it takes; null for email")
    ]
    fanout_id: Annotated[UUID | None, documented(None, description="the topic's fan-out of it")]

    @classmethod
    def of(cls, n: Notification) -> "NotificationOut":
        return cls(
            n.id,
            n.user_id,
            n.created_by,
            n.recipient_id,
            n.group,
            n.due_at,
            n.status,
            n.channel,
            n.to,
            n.title,
            n.text,
            n.sendtime,
            n.created_at,
            sms_segments(n.sms_body).segments if n.channel is Channel.SMS else None,
            n.fanout_id,
        )


class SkippedOut(msgspec.Struct):
    channel: Channel
    reason: Annotated[str, documented("the recipient's phone is not set")]


class ScheduledOut(msgspec.Struct):
    group_id: _Id
    items: list[NotificationOut]
    skipped: list[SkippedOut]


class NotificationPageOut(msgspec.Struct):
    items: list[NotificationOut]
    next_cursor: _Cursor


class EventOut(msgspec.Struct):
    status: Status
    at: _Time
    detail: Annotated[str | None, documented("accepted by twilio as SM0123456789abcdef")]


class ErrorOut(msgspec.Struct):
    code: Annotated[str | None, documented("21211")]
    message: Annotated[str, documented("The 'To' number +15005550001 is not a valid phone number")]


class NotificationDetailOut(msgspec.Struct):
    id: _Id
    user_id: Annotated[UUID | None, documented(EXAMPLE_USER_ID)]
    created_by: Annotated[UUID | None, documented(EXAMPLE_USER_ID)]
    recipient_id: Annotated[UUID | None, documented(EXAMPLE_ID)]
    group_id: _Id
    status: Status
    channel: Channel
    to: Annotated[str, documented("+15105552054")]
    title: Annotated[str | None, documented("Reminder")]
    text: Annotated[str, documented("Dentist at 3pm")]
    html: Annotated[str | None, documented(None, description="an email's HTML, from a template")]
    sendtime: Annotated[datetime, documented("2026-11-22T22:00:00Z")]
    created_at: _Time
    updated_at: _Time
    due_at: Annotated[datetime, documented("2026-11-22T22:00:00Z")]
    attempts: Annotated[int, documented(1, ge=0)]
    provider: Annotated[str | None, documented("twilio")]
    provider_message_id: Annotated[str | None, documented("SM0123456789abcdef0123456789abcdef")]
    last_error: ErrorOut | None
    fanout_id: Annotated[UUID | None, documented(None, description="the topic's fan-out of it")]
    history: list[EventOut]

    @classmethod
    def of(cls, n: Notification, history: list[NotificationEvent]) -> "NotificationDetailOut":
        return cls(
            id=n.id,
            user_id=n.user_id,
            created_by=n.created_by,
            recipient_id=n.recipient_id,
            group_id=n.group,
            status=n.status,
            channel=n.channel,
            to=n.to,
            title=n.title,
            text=n.text,
            html=n.html,
            sendtime=n.sendtime,
            created_at=n.created_at,
            updated_at=n.updated_at,
            due_at=n.due_at,
            attempts=n.attempts,
            provider=n.provider,
            provider_message_id=n.provider_message_id,
            last_error=ErrorOut(n.last_error_code, n.last_error) if n.last_error else None,
            fanout_id=n.fanout_id,
            history=[EventOut(e.status, e.at, e.detail) for e in history],
        )


class ActivityPageOut(msgspec.Struct):
    items: list[NotificationDetailOut]
    next_cursor: _Cursor


_StatusFilter = Annotated[
    str | None, QueryParameter(**rules(enum=[*Status]), description="only of this status")
]
_Limit = Annotated[int, QueryParameter(ge=1, le=LIMITS.maximum)]
_RecipientIn = Annotated[
    str | None,
    QueryParameter(
        min_length=1, max_length=EXTERNAL_ID_MAX, description="a recipient's external id"
    ),
]
_Instant = Annotated[
    str | None,
    QueryParameter(
        max_length=64, description="ISO 8601 with an offset", **rules(format="date-time")
    ),
]


class NotificationController(Controller):
    path = "/notifications"
    tags = ["notifications"]
    # Each route says who may call it: layers' security requirements add up.

    @post(
        summary="Send a notification now or at `sendtime` (ISO 8601 with an offset)",
        description=(
            "To you, to another user (`user_id`, admins) or to a recipient by external id "
            "(`recipient`, admins and API keys with notifications:write). One notification "
            "per channel, tied by `group_id`: those of `channels` (or `channel`), else every "
            "channel the recipient has on; a channel that cannot be used is in `skipped`, "
            "and with none left the answer is a 422. `template` and `data` instead of "
            "`text` render now. Inside the recipient's quiet hours it waits for their end, "
            "unless `urgent`. With an `Idempotency-Key` header a retry with the same body "
            "returns the first group; the same key with another body is a 409."
        ),
        status_code=HTTP_202_ACCEPTED,
        responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
        security=SECURITY_WITH_KEYS,
    )
    async def create(
        self,
        caller: CallerDependency,
        data: JSONBody[NotificationIn],
        schedule: FromDishka[ScheduleNotification],
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key",
                description="retry safely: the same key and body return the first notification",
                **rules(minLength=1, maxLength=IDEMPOTENCY_KEY_MAX, pattern="^[\\x20-\\x7e]+$"),
            ),
        ] = None,
    ) -> Response[ScheduledOut]:
        result = await schedule(
            ScheduleNotificationCommand(
                requester=caller,
                text=data.text,
                title=data.title,
                sendtime=data.sendtime,
                channel=data.channel,
                user_id=data.user_id,
                idempotency_key=idempotency_key,
                recipient=data.recipient,
                channels=None if data.channels is None else tuple(data.channels),
                urgent=data.urgent,
                template=data.template,
                data=data.data,
            )
        )
        headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
        out = ScheduledOut(
            result.group_id,
            [NotificationOut.of(n) for n in result.items],
            [SkippedOut(c, why) for c, why in result.skipped],
        )
        return Response(out, status_code=HTTP_202_ACCEPTED, headers=headers)

    @get(
        summary="Your notifications (sent to you or made by you), or a recipient's, newest first",
        description="`recipient` (an external id): the notifications sent to that recipient, "
        "for admins and API keys with notifications:read.",
        responses=problem_responses(401, 403, 404, 422),
        security=SECURITY_WITH_KEYS,
    )
    async def list_own(
        self,
        caller: CallerDependency,
        list_notifications: FromDishka[ListNotifications],
        status: _StatusFilter = None,
        limit: _Limit = LIMITS.default,
        cursor: IdCursor = None,
        recipient: _RecipientIn = None,
    ) -> NotificationPageOut:
        page = await list_notifications(
            ListNotificationsQuery(caller, status, limit, cursor, recipient)
        )
        return NotificationPageOut([NotificationOut.of(n) for n in page.items], page.next_cursor)

    @get(
        "/{notification_id:uuid}",
        summary="A notification with its status history (its recipient, creator, an admin, "
        "or an API key with notifications:read)",
        responses=problem_responses(401, 403, 404),
        security=SECURITY_WITH_KEYS,
    )
    async def read(
        self,
        caller: CallerDependency,
        notification_id: FromPath[UUID],
        get_notification: FromDishka[GetNotification],
    ) -> NotificationDetailOut:
        detail = await get_notification(caller, notification_id)
        return NotificationDetailOut.of(detail.notification, detail.history)

    @delete(
        "/{notification_id:uuid}",
        summary="Cancel a notification that has not started sending (its recipient, creator, "
        "an admin, or an API key with notifications:write)",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404, 409),
        security=SECURITY_WITH_KEYS,
    )
    async def cancel(
        self,
        caller: CallerDependency,
        notification_id: FromPath[UUID],
        cancel: FromDishka[CancelNotification],
    ) -> NotificationOut:
        return NotificationOut.of(await cancel(caller, notification_id))


class NotificationActivityController(Controller):
    path = "/admin/notifications"
    tags = ["notifications"]
    security = SECURITY
    guards = [allowed_by(require_activity_view)]

    @get(
        summary="Every user's notifications with their history (admins only), newest first",
        description="Filters: `user_id` (the recipient's account), `recipient` (a recipient's "
        "external id; unknown: 404), `status`, `channel`, and the creation time in "
        "[`since`, `until`) as ISO 8601 with an offset.",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def activity(
        self,
        principal: NamedDependency[Principal],
        list_activity: FromDishka[ListActivity],
        user_id: Annotated[
            UUID | None, QueryParameter(description="the recipient's account")
        ] = None,
        recipient: _RecipientIn = None,
        status: _StatusFilter = None,
        channel: Annotated[str | None, QueryParameter(**rules(enum=[*Channel]))] = None,
        since: _Instant = None,
        until: _Instant = None,
        limit: _Limit = LIMITS.default,
        cursor: IdCursor = None,
    ) -> ActivityPageOut:
        page = await list_activity(
            ActivityQuery(
                principal.user,
                user_id=user_id,
                recipient=recipient,
                status=status,
                channel=channel,
                since=since,
                until=until,
                limit=limit,
                cursor=cursor,
            )
        )
        return ActivityPageOut(
            [NotificationDetailOut.of(n, history) for n, history in page.items], page.next_cursor
        )
