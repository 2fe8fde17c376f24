"""POST /topics/{key}/notifications: notify every subscriber of a topic; /fanouts: what
became of each such trigger, and its cancellation. Admins and API keys with
notifications:write (triggering, canceling) or notifications:read (reading)."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, delete, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from application.fanouts.cancel_fanout import CancelFanout
from application.fanouts.get_fanout import FanoutReport, GetFanout
from application.fanouts.list_fanouts import ListFanouts, ListFanoutsQuery
from application.fanouts.queue_expansion import QueueExpansion
from application.fanouts.trigger_topic import TriggerTopic, TriggerTopicCommand
from application.paging import LIMITS
from application.policy import Caller, require_scope
from domain.api_keys import Scope
from domain.fanouts import EXCLUDE_MAX, Fanout, FanoutStatus, Progress, Skipped
from domain.notifications import IDEMPOTENCY_KEY_MAX, TEXT_MAX, TITLE_MAX, Status
from domain.preferences import Channel
from domain.recipients import EXTERNAL_ID_MAX
from domain.templates import KEY_MAX as TEMPLATE_KEY_MAX
from domain.topics import KEY_MAX as TOPIC_KEY_MAX
from entrypoints.http.schemas import (
    EXAMPLE_ID,
    EXAMPLE_TIME,
    NOT_BLANK,
    IdCursor,
    documented,
    problem_responses,
    rules,
)
from entrypoints.http.schemas import text as text_rules
from entrypoints.http.security import SECURITY_WITH_KEYS, CallerDependency, allowed_to

_Id = Annotated[UUID, documented(EXAMPLE_ID)]
_Time = Annotated[datetime, documented(EXAMPLE_TIME)]
_Limit = Annotated[int, QueryParameter(ge=1, le=LIMITS.maximum)]
_Topic = Annotated[
    str | None, QueryParameter(min_length=1, max_length=TOPIC_KEY_MAX, description="one topic's")
]


class TriggerIn(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[
        str | None,
        text_rules(
            "Your order shipped", TEXT_MAX, 1, pattern=NOT_BLANK, description="unless template"
        ),
    ] = None
    title: Annotated[str | None, text_rules("Shipped", TITLE_MAX)] = None
    template: Annotated[
        str | None,
        text_rules("order-shipped", TEMPLATE_KEY_MAX, 1, description="instead of text"),
    ] = None
    data: Annotated[
        dict[str, Any],
        documented({}, description="the template's variables: each it reads, none it lacks"),
    ] = msgspec.field(default_factory=dict)
    sendtime: Annotated[
        str | None,
        documented(
            "2026-12-02T18:00:00Z",
            format="date-time",
            description="ISO 8601 with an offset; missing or in the past means now",
        ),
    ] = None
    channels: Annotated[
        list[str] | None,
        documented(
            None,
            description="only these channels (each subscriber's own channels still apply); "
            "default: every channel",
            max_items=len(Channel),
        ),
    ] = None
    exclude: Annotated[
        list[Annotated[str, msgspec.Meta(min_length=1, max_length=EXTERNAL_ID_MAX)]],
        documented([], description="external ids left out", max_items=EXCLUDE_MAX),
    ] = msgspec.field(default_factory=list)
    urgent: Annotated[
        bool, documented(False, description="send even inside a subscriber's quiet hours")
    ] = False


class SkippedOut(msgspec.Struct):
    channel_off: Annotated[
        int, documented(12, description="off for them, or not in their override")
    ]
    opted_out: Annotated[int, documented(1, description="their phone replied STOP")]
    no_address: Annotated[int, documented(3, description="no email or phone for the channel")]
    unrenderable: Annotated[int, documented(0, description="the template needs a field they lack")]

    @classmethod
    def of(cls, s: Skipped) -> "SkippedOut":
        return cls(s.channel_off, s.opted_out, s.no_address, s.unrenderable)


class FanoutOut(msgspec.Struct):
    fanout_id: _Id
    topic: Annotated[str, documented("orders.shipped")]
    status: FanoutStatus
    subscribers: Annotated[
        int, documented(100000, description="at trigger time, excluded left out")
    ]
    created: Annotated[int, documented(99984, description="notifications made so far")]
    skipped: SkippedOut
    channels: list[Channel]
    template: Annotated[str | None, documented("order-shipped")]
    sendtime: _Time
    urgent: bool
    created_at: _Time
    updated_at: _Time

    @classmethod
    def of(cls, f: Fanout, progress: Progress) -> "FanoutOut":
        return cls(
            f.id,
            f.topic,
            f.status,
            f.subscribers,
            progress.created,
            SkippedOut.of(progress.skipped),
            list(f.channels),
            f.message.template,
            f.sendtime,
            f.urgent,
            f.created_at,
            f.updated_at,
        )


class FanoutReportOut(FanoutOut, kw_only=True):
    by_status: Annotated[
        dict[Status, int],
        documented(
            {"sent": 99000, "delivered": 950, "failed": 34}, description="its notifications"
        ),
    ]

    @classmethod
    def of_report(cls, r: FanoutReport) -> "FanoutReportOut":
        base = FanoutOut.of(r.fanout, r.progress)
        fields = msgspec.structs.asdict(base)
        return cls(**fields, by_status=r.by_status)


class FanoutPageOut(msgspec.Struct):
    items: list[FanoutOut]
    next_cursor: Annotated[str | None, documented("AZNJQ7CFcXyS2lp3A2bVRw")]


class CanceledOut(FanoutOut, kw_only=True):
    canceled: Annotated[int, documented(41250, description="notifications canceled now")]


def _notifies(caller: Caller) -> None:
    require_scope(caller, Scope.NOTIFICATIONS_WRITE)


def _reads(caller: Caller) -> None:
    require_scope(caller, Scope.NOTIFICATIONS_READ)


class TopicNotificationController(Controller):
    path = "/topics/{key:str}/notifications"
    tags = ["topics"]
    security = SECURITY_WITH_KEYS
    guards = [allowed_to(_notifies)]  # the use case asks the policy too

    @post(
        summary="Notify every subscriber of a topic (202 at once; expanded by workers)",
        description=(
            "Each subscriber gets one notification per channel: those the trigger considers "
            "(`channels`, else every channel) that they have on and their subscription's "
            "override names, rendered for them. Follow it at `GET /fanouts/{fanout_id}`. "
            "With an `Idempotency-Key` header a retry with the same body returns the first "
            "fan-out."
        ),
        status_code=HTTP_202_ACCEPTED,
        responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
    )
    async def trigger(
        self,
        caller: CallerDependency,
        key: FromPath[str],
        data: JSONBody[TriggerIn],
        trigger: FromDishka[TriggerTopic],
        queue: FromDishka[QueueExpansion],
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key",
                description="retry safely: the same key and body return the first fan-out",
                **rules(minLength=1, maxLength=IDEMPOTENCY_KEY_MAX, pattern="^[\\x20-\\x7e]+$"),
            ),
        ] = None,
    ) -> Response[FanoutOut]:
        result = await trigger(
            TriggerTopicCommand(
                requester=caller,
                key=key,
                template=data.template,
                data=data.data,
                title=data.title,
                text=data.text,
                sendtime=data.sendtime,
                channels=None if data.channels is None else tuple(data.channels),
                exclude=tuple(data.exclude),
                urgent=data.urgent,
                idempotency_key=idempotency_key,
            )
        )
        headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
        # The parts are queued once the answer is sent (QueueExpansion says why).
        later = None if result.replayed else BackgroundTask(queue, result.fanout)
        return Response(
            FanoutOut.of(result.fanout, Progress()),
            status_code=HTTP_202_ACCEPTED,
            headers=headers,
            background=later,
        )


class FanoutController(Controller):
    path = "/fanouts"
    tags = ["topics"]
    security = SECURITY_WITH_KEYS

    @get(
        "/{fanout_id:uuid}",
        summary="A fan-out: its expansion, what it skipped, its notifications by status",
        guards=[allowed_to(_reads)],
        responses=problem_responses(401, 403, 404),
    )
    async def read(
        self, caller: CallerDependency, fanout_id: FromPath[UUID], get_one: FromDishka[GetFanout]
    ) -> FanoutReportOut:
        return FanoutReportOut.of_report(await get_one(caller, fanout_id))

    @get(
        summary="Fan-outs, newest first; of one topic with `topic`",
        guards=[allowed_to(_reads)],
        responses=problem_responses(401, 403, 422),
    )
    async def list_all(
        self,
        caller: CallerDependency,
        list_fanouts: FromDishka[ListFanouts],
        topic: _Topic = None,
        limit: _Limit = LIMITS.default,
        cursor: IdCursor = None,
    ) -> FanoutPageOut:
        page = await list_fanouts(ListFanoutsQuery(caller, topic, limit, cursor))
        return FanoutPageOut([FanoutOut.of(f, p) for f, p in page.items], page.next_cursor)

    @delete(
        "/{fanout_id:uuid}",
        summary="Cancel a fan-out: its expansion stops, its unsent notifications are canceled",
        status_code=HTTP_200_OK,
        guards=[allowed_to(_notifies)],
        responses=problem_responses(401, 403, 404, 409),
    )
    async def cancel(
        self, caller: CallerDependency, fanout_id: FromPath[UUID], cancel: FromDishka[CancelFanout]
    ) -> CanceledOut:
        done = await cancel(caller, fanout_id)
        base = FanoutOut.of(done.fanout, done.progress)
        fields = msgspec.structs.asdict(base)
        return CanceledOut(**fields, canceled=done.canceled)
