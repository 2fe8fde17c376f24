"""/topics: topics and their subscribers, for admins and API keys with topics:write (reads
included); /me/topics: a user's own subscriptions to self-service topics."""

from datetime import datetime
from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, delete, get, post, put
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from application.paging import LIMITS
from application.policy import Caller, require_scope, require_user
from application.topics.add_subscribers import AddSubscribers, AddSubscribersCommand
from application.topics.delete_topic import DeleteTopic
from application.topics.get_topic import GetTopic
from application.topics.list_my_topics import ListMyTopics, ListMyTopicsQuery
from application.topics.list_subscribers import ListSubscribers, ListSubscribersQuery
from application.topics.list_topics import ListTopics, ListTopicsQuery
from application.topics.remove_subscribers import RemoveSubscribers
from application.topics.save_topic import SaveTopic, SaveTopicCommand
from application.topics.subscribe_me import SubscribeMe
from application.topics.unsubscribe_me import UnsubscribeMe
from domain.api_keys import Scope
from domain.preferences import Channel
from domain.topics import (
    DESCRIPTION_MAX,
    KEY_PATTERN,
    NAME_MAX,
    SUBSCRIBERS_PER_CALL,
    Membership,
    Subscriber,
    SubscriptionChange,
    Topic,
)
from entrypoints.http.schemas import EXAMPLE_TIME, IdCursor, documented, problem_responses, text
from entrypoints.http.security import SECURITY, SECURITY_WITH_KEYS, CallerDependency, allowed_to

_Time = Annotated[datetime, documented(EXAMPLE_TIME)]
_Key = Annotated[str, documented("orders.shipped")]
# In the path, documented with the rule `domain.topics.topic_key` checks; the use case
# checks it (not Litestar), so that a bad key is named with the body's other errors.
_PathKey = Annotated[
    str,
    PathParameter(description="the topic's key", schema_extra={"pattern": f"^{KEY_PATTERN}$"}),
]
_Limit = Annotated[int, QueryParameter(ge=1, le=LIMITS.maximum)]
_Cursor = Annotated[
    str | None, QueryParameter(max_length=200, description="`next_cursor` of the previous page")
]
_Channels = Annotated[
    list[Channel] | None,
    documented(["email"], description="this topic's channels for them; null: their own"),
]


class TopicIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, text("Shipped orders", NAME_MAX, min_length=1)]
    description: Annotated[str, text("When an order leaves the warehouse", DESCRIPTION_MAX)] = ""
    self_service: Annotated[
        bool, documented(False, description="users may subscribe themselves (/me/topics)")
    ] = False


class TopicOut(msgspec.Struct):
    key: _Key
    name: str
    description: str
    self_service: bool
    created_at: _Time
    updated_at: _Time

    @classmethod
    def of(cls, t: Topic) -> "TopicOut":
        return cls(t.key, t.name, t.description, t.self_service, t.created_at, t.updated_at)


class TopicWithCountOut(TopicOut, kw_only=True):
    subscribers: Annotated[int, documented(1042)]


class TopicPageOut(msgspec.Struct):
    items: list[TopicOut]
    next_cursor: Annotated[str | None, documented("b3JkZXJzLnNoaXBwZWQ")]


_Ids = Annotated[
    list[str],
    documented(
        ["crm-1042", "user:ann"],
        min_items=1,
        max_items=SUBSCRIBERS_PER_CALL,
        description="external ids; one sent twice counts once",
    ),
]


class AddIn(msgspec.Struct, forbid_unknown_fields=True):
    recipients: _Ids
    channels: Annotated[
        list[str] | None,
        documented(["email"], description="this topic's channels for them; left out: their own"),
    ] = None


class RemoveIn(msgspec.Struct, forbid_unknown_fields=True):
    recipients: _Ids


class AddedOut(msgspec.Struct):
    added: Annotated[int, documented(999, description="subscriptions made")]
    unknown: Annotated[list[str], documented(["crm-0"], description="ids no recipient has")]

    @classmethod
    def of(cls, change: SubscriptionChange) -> "AddedOut":
        return cls(change.count, change.unknown)


class RemovedOut(msgspec.Struct):
    removed: Annotated[int, documented(999, description="subscriptions removed")]
    unknown: Annotated[list[str], documented(["crm-0"], description="ids no recipient has")]

    @classmethod
    def of(cls, change: SubscriptionChange) -> "RemovedOut":
        return cls(change.count, change.unknown)


class SubscriberOut(msgspec.Struct):
    external_id: Annotated[str, documented("crm-1042")]
    channels: _Channels
    created_at: _Time

    @classmethod
    def of(cls, s: Subscriber) -> "SubscriberOut":
        return cls(s.external_id, None if s.channels is None else list(s.channels), s.created_at)


class SubscriberPageOut(msgspec.Struct):
    items: list[SubscriberOut]
    next_cursor: Annotated[str | None, documented("AZNuAsf6cQKZ9T5rMYB2Ww")]


class MyTopicOut(TopicOut, kw_only=True):
    subscribed: bool
    channels: _Channels

    @classmethod
    def of_membership(cls, m: Membership) -> "MyTopicOut":
        t, channels = m.topic, None if m.channels is None else list(m.channels)
        return cls(
            key=t.key,
            name=t.name,
            description=t.description,
            self_service=t.self_service,
            created_at=t.created_at,
            updated_at=t.updated_at,
            subscribed=m.subscribed,
            channels=channels,
        )


class MyTopicPageOut(msgspec.Struct):
    items: list[MyTopicOut]
    next_cursor: Annotated[str | None, documented("b3JkZXJzLnNoaXBwZWQ")]


def _manages_topics(caller: Caller) -> None:
    require_scope(caller, Scope.TOPICS_WRITE)


class TopicController(Controller):
    path = "/topics"
    tags = ["topics"]
    security = SECURITY_WITH_KEYS
    guards = [allowed_to(_manages_topics)]  # the use cases ask the policy too

    @put(
        "/{key:str}",
        summary="Create (201) or replace (200) a topic; its subscribers stay",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 413, 415, 422),
    )
    async def save(
        self,
        caller: CallerDependency,
        key: _PathKey,
        data: JSONBody[TopicIn],
        save: FromDishka[SaveTopic],
    ) -> Response[TopicOut]:
        saved = await save(
            SaveTopicCommand(caller, key, data.name, data.description, data.self_service)
        )
        status = HTTP_201_CREATED if saved.created else HTTP_200_OK
        return Response(TopicOut.of(saved.topic), status_code=status)

    @get(
        "/{key:str}",
        summary="A topic and how many subscribers it has",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def read(
        self, caller: CallerDependency, key: _PathKey, get_one: FromDishka[GetTopic]
    ) -> TopicWithCountOut:
        found = await get_one(caller, key)
        t = found.topic
        return TopicWithCountOut(
            t.key,
            t.name,
            t.description,
            t.self_service,
            t.created_at,
            t.updated_at,
            subscribers=found.subscribers,
        )

    @get(summary="Topics in key order", responses=problem_responses(401, 403, 422))
    async def list_all(
        self,
        caller: CallerDependency,
        list_topics: FromDishka[ListTopics],
        limit: _Limit = LIMITS.default,
        cursor: _Cursor = None,
    ) -> TopicPageOut:
        page = await list_topics(ListTopicsQuery(caller, limit, cursor))
        return TopicPageOut([TopicOut.of(t) for t in page.items], page.next_cursor)

    @delete(
        "/{key:str}",
        summary="Delete a topic and its subscriptions (the recipients stay)",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(401, 403, 404, 422),
    )
    async def remove(
        self, caller: CallerDependency, key: _PathKey, remove: FromDishka[DeleteTopic]
    ) -> None:
        await remove(caller, key)

    @post(
        "/{key:str}/subscribers",
        summary=f"Subscribe up to {SUBSCRIBERS_PER_CALL} recipients by external id",
        description=(
            "Idempotent: a recipient already subscribed adds nothing; it takes `channels` as "
            "its override when given, and keeps the one it had otherwise. Ids no recipient "
            "has are answered in `unknown`; the others are subscribed all the same."
        ),
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404, 413, 415, 422),
    )
    async def add(
        self,
        caller: CallerDependency,
        key: _PathKey,
        data: JSONBody[AddIn],
        add: FromDishka[AddSubscribers],
    ) -> AddedOut:
        return AddedOut.of(
            await add(AddSubscribersCommand(caller, key, data.recipients, data.channels))
        )

    @delete(
        "/{key:str}/subscribers",
        summary=f"Unsubscribe up to {SUBSCRIBERS_PER_CALL} recipients by external id",
        description="Idempotent; ids no recipient has are answered in `unknown`.",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404, 413, 415, 422),
    )
    async def remove_subscribers(
        self,
        caller: CallerDependency,
        key: _PathKey,
        data: JSONBody[RemoveIn],
        remove: FromDishka[RemoveSubscribers],
    ) -> RemovedOut:
        return RemovedOut.of(await remove(caller, key, data.recipients))

    @get(
        "/{key:str}/subscribers",
        summary="A topic's subscribers, a page at a time",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def subscribers(
        self,
        caller: CallerDependency,
        key: _PathKey,
        list_subscribers: FromDishka[ListSubscribers],
        limit: _Limit = LIMITS.default,
        cursor: IdCursor = None,
    ) -> SubscriberPageOut:
        page = await list_subscribers(ListSubscribersQuery(caller, key, limit, cursor))
        return SubscriberPageOut([SubscriberOut.of(s) for s in page.items], page.next_cursor)


class MyTopicController(Controller):
    path = "/me/topics"
    tags = ["topics"]
    security = SECURITY
    guards = [allowed_to(require_user)]

    @get(
        summary="The self-service topics and those I am subscribed to, in key order",
        responses=problem_responses(401, 403, 422),
    )
    async def list_mine(
        self,
        caller: CallerDependency,
        list_mine: FromDishka[ListMyTopics],
        limit: _Limit = LIMITS.default,
        cursor: _Cursor = None,
    ) -> MyTopicPageOut:
        page = await list_mine(ListMyTopicsQuery(caller, limit, cursor))
        return MyTopicPageOut([MyTopicOut.of_membership(m) for m in page.items], page.next_cursor)

    @put(
        "/{key:str}",
        summary="Subscribe myself to a self-service topic (201; 200 if I already was)",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404, 422),
    )
    async def subscribe(
        self, caller: CallerDependency, key: _PathKey, subscribe: FromDishka[SubscribeMe]
    ) -> Response[TopicOut]:
        done = await subscribe(caller, key)
        status = HTTP_201_CREATED if done.created else HTTP_200_OK
        return Response(TopicOut.of(done.topic), status_code=status)

    @delete(
        "/{key:str}",
        summary="Unsubscribe myself from a self-service topic",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(401, 403, 404, 422),
    )
    async def unsubscribe(
        self, caller: CallerDependency, key: _PathKey, unsubscribe: FromDishka[UnsubscribeMe]
    ) -> None:
        await unsubscribe(caller, key)
