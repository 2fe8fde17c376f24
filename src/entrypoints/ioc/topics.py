"""Bindings of topics: the repository and the use cases. Erasing a recipient removes its
subscriptions through the foreign key's cascade, so topics need no handler of their own."""

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.dialect import SqlDialect
from adapters.sql.topics import SqlTopicRepository
from application.ports.topics import TopicRepository
from application.topics.add_subscribers import AddSubscribers
from application.topics.delete_topic import DeleteTopic
from application.topics.get_topic import GetTopic
from application.topics.list_my_topics import ListMyTopics
from application.topics.list_subscribers import ListSubscribers
from application.topics.list_topics import ListTopics
from application.topics.remove_subscribers import RemoveSubscribers
from application.topics.save_topic import SaveTopic
from application.topics.subscribe_me import SubscribeMe
from application.topics.unsubscribe_me import UnsubscribeMe


class TopicsProvider(Provider):
    scope = Scope.REQUEST

    @provide
    def topics(self, session: AsyncSession, dialect: SqlDialect) -> TopicRepository:
        return SqlTopicRepository(session, dialect)

    save_topic = provide(SaveTopic)
    get_topic = provide(GetTopic)
    list_topics = provide(ListTopics)
    delete_topic = provide(DeleteTopic)
    add_subscribers = provide(AddSubscribers)
    remove_subscribers = provide(RemoveSubscribers)
    list_subscribers = provide(ListSubscribers)
    subscribe_me = provide(SubscribeMe)
    unsubscribe_me = provide(UnsubscribeMe)
    list_my_topics = provide(ListMyTopics)
