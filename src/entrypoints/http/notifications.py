"""/notifications: create (now or at `sendtime`), list, read with history, cancel; and the
admins' activity view, /admin/notifications."""

import base64
import binascii
from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from application.auth.authenticate import Principal
from application.notifications.cancel_notification import CancelNotification
from application.notifications.get_notification import GetNotification
from application.notifications.list_activity import ActivityQuery, ListActivity
from application.notifications.list_notifications import ListNotifications, ListNotificationsQuery
from application.notifications.schedule_notification import (
    ScheduleNotification,
    ScheduleNotificationCommand,
)
from domain.contacts import Channel
from domain.errors import InvalidInput
from domain.notifications import TEXT_MAX, TITLE_MAX, Notification, NotificationEvent
from entrypoints.http.schemas import NOT_BLANK, documented, problem_responses, text
from entrypoints.http.security import SECURITY, current_principal


class NotificationIn(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, text("Dentist at 3pm", TEXT_MAX, 1, pattern=NOT_BLANK)]
    title: Annotated[str | None, text("Reminder", TITLE_MAX)] = None
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
        documented("sms", enum=[*Channel, None], description="default: your notify_pref"),
    ] = None
    user_id: Annotated[
        UUID | None,
        documented(
            None,
            description="another user to notify (admins only); your own id is the same as "
            "leaving it out",
        ),
    ] = None


class NotificationOut(msgspec.Struct):
    id: UUID
    user_id: UUID
    created_by: UUID
    status: str
    channel: str
    to: str
    title: str | None
    text: str
    sendtime: datetime
    created_at: datetime

    @classmethod
    def of(cls, n: Notification) -> "NotificationOut":
        return cls(
            n.id,
            n.user_id,
            n.created_by,
            n.status.value,
            n.channel.value,
            n.to,
            n.title,
            n.text,
            n.sendtime,
            n.created_at,
        )


class NotificationPageOut(msgspec.Struct):
    items: list[NotificationOut]
    next_cursor: str | None


class EventOut(msgspec.Struct):
    status: str
    at: datetime
    detail: str | None


class ErrorOut(msgspec.Struct):
    code: str | None
    message: str


class NotificationDetailOut(msgspec.Struct):
    id: UUID
    user_id: UUID
    created_by: UUID
    status: str
    channel: str
    to: str
    title: str | None
    text: str
    sendtime: datetime
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    attempts: int
    provider: str | None
    provider_message_id: str | None
    last_error: ErrorOut | None
    history: list[EventOut]

    @classmethod
    def of(cls, n: Notification, history: list[NotificationEvent]) -> "NotificationDetailOut":
        return cls(
            id=n.id,
            user_id=n.user_id,
            created_by=n.created_by,
            status=n.status.value,
            channel=n.channel.value,
            to=n.to,
            title=n.title,
            text=n.text,
            sendtime=n.sendtime,
            created_at=n.created_at,
            updated_at=n.updated_at,
            due_at=n.due_at,
            attempts=n.attempts,
            provider=n.provider,
            provider_message_id=n.provider_message_id,
            last_error=ErrorOut(n.last_error_code, n.last_error) if n.last_error else None,
            history=[EventOut(e.status.value, e.at, e.detail) for e in history],
        )


class ActivityPageOut(msgspec.Struct):
    items: list[NotificationDetailOut]
    next_cursor: str | None


def _cursor(value: UUID | None) -> str | None:
    return None if value is None else base64.urlsafe_b64encode(value.bytes).decode().rstrip("=")


def _decode_cursor(raw: str | None) -> UUID | None:
    if raw is None:
        return None
    try:
        return UUID(bytes=base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error):
        raise InvalidInput.field("cursor", "is not a cursor this API returned") from None


class NotificationController(Controller):
    path = "/notifications"
    tags = ["notifications"]
    security = SECURITY
    dependencies = {"principal": Provide(current_principal)}

    @post(
        summary="Send a notification now or at `sendtime` (ISO 8601 with an offset)",
        description=(
            "The channel is your notify_pref unless `channel` is given. Admins may pass "
            "`user_id`. With an `Idempotency-Key` header a retry with the same body returns "
            "the first notification; the same key with another body is a 409."
        ),
        status_code=HTTP_202_ACCEPTED,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def create(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[NotificationIn],
        schedule: FromDishka[ScheduleNotification],
        idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None,
    ) -> Response[NotificationOut]:
        result = await schedule(
            ScheduleNotificationCommand(
                requester=principal.user,
                text=data.text,
                title=data.title,
                sendtime=data.sendtime,
                channel=data.channel,
                user_id=data.user_id,
                idempotency_key=idempotency_key,
            )
        )
        headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
        return Response(
            NotificationOut.of(result.notification), status_code=HTTP_202_ACCEPTED, headers=headers
        )

    @get(
        summary="Your notifications (sent to you or made by you), newest first",
        responses=problem_responses(401, 422),
    )
    async def list_own(
        self,
        principal: NamedDependency[Principal],
        list_notifications: FromDishka[ListNotifications],
        status: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        cursor: FromQuery[str | None] = None,
    ) -> NotificationPageOut:
        page = await list_notifications(
            ListNotificationsQuery(principal.user, status, limit, _decode_cursor(cursor))
        )
        return NotificationPageOut(
            [NotificationOut.of(n) for n in page.items], _cursor(page.next_before)
        )

    @get(
        "/{notification_id:uuid}",
        summary="A notification with its status history (its recipient, creator or an admin)",
        responses=problem_responses(401, 404),
    )
    async def read(
        self,
        principal: NamedDependency[Principal],
        notification_id: FromPath[UUID],
        get_notification: FromDishka[GetNotification],
    ) -> NotificationDetailOut:
        detail = await get_notification(principal.user, notification_id)
        return NotificationDetailOut.of(detail.notification, detail.history)

    @delete(
        "/{notification_id:uuid}",
        summary="Cancel a notification that has not started sending",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 404, 409),
    )
    async def cancel(
        self,
        principal: NamedDependency[Principal],
        notification_id: FromPath[UUID],
        cancel: FromDishka[CancelNotification],
    ) -> NotificationOut:
        return NotificationOut.of(await cancel(principal.user, notification_id))


class NotificationActivityController(Controller):
    path = "/admin/notifications"
    tags = ["notifications"]
    security = SECURITY
    dependencies = {"principal": Provide(current_principal)}

    @get(
        summary="Every user's notifications with their history (admins only), newest first",
        description="Filters: `user_id` (the recipient), `status`, `channel`, and the creation "
        "time in [`since`, `until`) as ISO 8601 with an offset.",
        responses=problem_responses(401, 403, 422),
    )
    async def activity(
        self,
        principal: NamedDependency[Principal],
        list_activity: FromDishka[ListActivity],
        user_id: FromQuery[UUID | None] = None,
        status: FromQuery[str | None] = None,
        channel: FromQuery[str | None] = None,
        since: FromQuery[str | None] = None,
        until: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        cursor: FromQuery[str | None] = None,
    ) -> ActivityPageOut:
        page = await list_activity(
            ActivityQuery(
                principal.user,
                user_id=user_id,
                status=status,
                channel=channel,
                since=since,
                until=until,
                limit=limit,
                before=_decode_cursor(cursor),
            )
        )
        return ActivityPageOut(
            [NotificationDetailOut.of(n, history) for n, history in page.items],
            _cursor(page.next_before),
        )
