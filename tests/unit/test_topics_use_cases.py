"""Topic use cases over the fakes: the policy, bad input before the lookup, and a user's
own subscriptions."""

import pytest

from application.topics.add_subscribers import AddSubscribers, AddSubscribersCommand
from application.topics.list_my_topics import ListMyTopics, ListMyTopicsQuery
from application.topics.save_topic import SaveTopic, SaveTopicCommand
from application.topics.subscribe_me import SubscribeMe
from application.topics.unsubscribe_me import UnsubscribeMe
from domain.accounts import Role
from domain.api_keys import Scope, ServicePrincipal
from domain.errors import InvalidInput, NotFound, PermissionDenied
from domain.ids import new_id
from domain.recipients import Contact, ExternalId, Recipient
from tests.support.accounts import new_user
from tests.support.container import Fakes, use_cases

ADMIN = new_user("root", Role.ADMIN)
ANN = new_user("ann")


async def saved(fakes: Fakes, key: str, *, self_service: bool = False) -> None:
    async with use_cases(fakes) as request:
        save = await request.get(SaveTopic)
        await save(SaveTopicCommand(ADMIN, key, key.title(), "", self_service))


def recipient(fakes: Fakes, external_id: str) -> Recipient:
    made = Recipient.new(new_id(), ExternalId(external_id), Contact(), fakes.clock.now())
    fakes.recipients.rows[made.id] = made
    return made


async def test_only_admins_save_topics() -> None:
    fakes = Fakes()
    async with use_cases(fakes) as request:
        save = await request.get(SaveTopic)
        with pytest.raises(PermissionDenied, match="topics:write needs the admin role"):
            await save(SaveTopicCommand(ANN, "news", "News", "", True))
    assert await fakes.topics.get("news") is None


async def test_bad_input_is_refused_before_the_topic_is_looked_up() -> None:
    fakes = Fakes()
    async with use_cases(fakes) as request:
        add = await request.get(AddSubscribers)
        with pytest.raises(InvalidInput):
            await add(AddSubscribersCommand(ADMIN, "nope", [], ["email"]))
        with pytest.raises(NotFound, match="no topic with key 'nope'"):
            await add(AddSubscribersCommand(ADMIN, "nope", ["crm-1"]))


async def test_a_user_joins_and_leaves_a_self_service_topic() -> None:
    fakes = Fakes()
    recipient(fakes, "user:ann")
    await saved(fakes, "news", self_service=True)
    await saved(fakes, "staff")
    async with use_cases(fakes) as request:
        joined = await (await request.get(SubscribeMe))(ANN, "news")
        assert (joined.created, joined.topic.key) == (True, "news")
        assert (await (await request.get(SubscribeMe))(ANN, "news")).created is False
        with pytest.raises(PermissionDenied, match="not self-service"):
            await (await request.get(SubscribeMe))(ANN, "staff")
        page = await (await request.get(ListMyTopics))(ListMyTopicsQuery(ANN))
        assert [(m.topic.key, m.subscribed) for m in page.items] == [("news", True)]
        await (await request.get(UnsubscribeMe))(ANN, "news")
    assert await fakes.topics.count_subscribers("news") == 0


async def test_a_user_whose_recipient_was_erased_cannot_join() -> None:
    fakes = Fakes()
    await saved(fakes, "news", self_service=True)
    async with use_cases(fakes) as request:
        with pytest.raises(NotFound, match="no recipient 'user:ann'"):
            await (await request.get(SubscribeMe))(ANN, "news")


async def test_a_key_is_no_user() -> None:
    key = ServicePrincipal(new_id(), "svc", frozenset({Scope.TOPICS_WRITE}))
    fakes = Fakes()
    await saved(fakes, "news", self_service=True)
    async with use_cases(fakes) as request:
        with pytest.raises(PermissionDenied, match="acts as a service"):
            await (await request.get(SubscribeMe))(key, "news")
