"""Bindings of messaging: its repositories on the request's session, and its use cases."""

from collections.abc import AsyncIterator
from datetime import timedelta

from dishka import Provider, Scope, from_context, provide
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.channels.messaging import ChannelsLiveChannel
from adapters.memory.accounts import InMemoryRateLimiter
from adapters.redis.accounts import RedisRateLimiter
from adapters.sql.dialect import SqlDialect
from adapters.sql.direct_pool import DirectPool
from adapters.sql.messaging import (
    SqlConversationRepository,
    SqlEventLog,
    SqlMessageRepository,
    SqlProfileRepository,
    SqlRelationshipRepository,
    SqlUnreadNotices,
    SqlUserDirectory,
)
from adapters.sql.messaging_pages_postgres import PostgresRenderedPages
from adapters.sql.messaging_postgres import (
    PostgresConversationRepository,
    PostgresDirectRoutes,
    PostgresMessagePosts,
    PostgresMessageRepository,
    PostgresProfileRepository,
    PostgresRelationshipRepository,
    PostgresUserDirectory,
)
from application.messaging.add_contact import AddContact
from application.messaging.add_members import AddMembers
from application.messaging.add_reaction import AddReaction
from application.messaging.block_user import BlockUser
from application.messaging.config import MessagingConfig
from application.messaging.create_group import CreateGroup
from application.messaging.delete_message import DeleteMessage
from application.messaging.deliveries import Deliveries
from application.messaging.drafts import Poster
from application.messaging.edit_message import EditMessage
from application.messaging.gate import SendGate
from application.messaging.list_blocks import ListBlocks
from application.messaging.list_contacts import ListContacts
from application.messaging.list_conversations import ListConversations
from application.messaging.list_messages import ListMessages
from application.messaging.list_user_messages import ListUserMessages
from application.messaging.list_users import ListUsers
from application.messaging.live import Broadcast
from application.messaging.mark_read import MarkRead
from application.messaging.notify_unread import NotifyUnread
from application.messaging.post_message import PostMessage
from application.messaging.posts import UnitOfWorkMessagePosts
from application.messaging.purge_events import PurgeEvents
from application.messaging.remove_contact import RemoveContact
from application.messaging.remove_member import RemoveMember
from application.messaging.remove_reaction import RemoveReaction
from application.messaging.replay_events import ReplayEvents
from application.messaging.routes import RepositoryDirectRoutes
from application.messaging.send_message import SendMessage
from application.messaging.typing_notice import SendTyping
from application.messaging.unblock_user import UnblockUser
from application.messaging.update_profile import UpdateProfile
from application.ports.messaging import (
    ConversationRepository,
    DirectRoutes,
    EventLog,
    LiveChannel,
    MessagePosts,
    MessageRepository,
    ProfileRepository,
    RelationshipRepository,
    RenderedPages,
    SendRateLimiter,
    UnreadNotices,
    UserDirectory,
)
from application.ports.transactions import TransactionManager
from domain.ids import MonotonicIds
from entrypoints.settings import MessagingSettings, ModeSettings

STREAM_BACKLOG = 1000


class MessagingProvider(Provider):
    scope = Scope.REQUEST

    settings = from_context(provides=MessagingSettings, scope=Scope.APP)

    # One per process: the ids of its messages grow in the order they are made.
    message_ids = provide(MonotonicIds, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def config(self, settings: MessagingSettings) -> MessagingConfig:
        return MessagingConfig(
            default_window=timedelta(days=settings.default_days),
            edit_window=timedelta(seconds=settings.edit_window_seconds),
            notify_after=timedelta(seconds=settings.notify_after_seconds),
            events_kept=timedelta(hours=settings.events_kept_hours),
        )

    # The direct pool is open exactly on PostgreSQL (ioc.infrastructure): there the
    # lookups and pages are read from it (adapters.sql.messaging_postgres).
    @provide
    def directory(self, session: AsyncSession, reads: DirectPool | None) -> UserDirectory:
        if reads is not None:
            return PostgresUserDirectory(session, reads)
        return SqlUserDirectory(session)

    @provide
    def profiles(
        self, session: AsyncSession, dialect: SqlDialect, reads: DirectPool | None
    ) -> ProfileRepository:
        if reads is not None:
            return PostgresProfileRepository(session, dialect, reads)
        return SqlProfileRepository(session, dialect)

    @provide
    def relationships(
        self, session: AsyncSession, dialect: SqlDialect, reads: DirectPool | None
    ) -> RelationshipRepository:
        if reads is not None:
            return PostgresRelationshipRepository(session, dialect, reads)
        return SqlRelationshipRepository(session, dialect)

    @provide(scope=Scope.APP)
    def send_limiter(self, settings: MessagingSettings, redis: Redis | None) -> SendRateLimiter:
        """Shared by every API process through Redis in production."""
        limit, window = settings.send_rate_limit, settings.send_rate_window_seconds
        if redis is None:
            return InMemoryRateLimiter(limit, window)
        return RedisRateLimiter(redis, limit, window, prefix="herald:rl:send:")

    @provide
    def events(self, session: AsyncSession) -> EventLog:
        return SqlEventLog(session)

    @provide(scope=Scope.APP)
    async def channels(
        self, mode: ModeSettings, redis: Redis | None
    ) -> AsyncIterator[ChannelsPlugin]:
        """Litestar's channels: in this process (embedded), or through Redis Pub/Sub to
        every API process (production)."""
        backend: ChannelsBackend = (
            MemoryChannelsBackend()
            if redis is None
            else RedisChannelsPubSubBackend(redis=redis, key_prefix=f"{mode.task_queue}:channels")
        )
        plugin = ChannelsPlugin(
            backend,
            arbitrary_channels_allowed=True,
            # A stream that falls this far behind loses its oldest events; its client
            # gets them back by reconnecting with Last-Event-ID.
            subscriber_max_backlog=STREAM_BACKLOG,
            subscriber_backlog_strategy="dropleft",
        )
        async with plugin:
            yield plugin

    @provide(scope=Scope.APP)
    def live_channel(self, plugin: ChannelsPlugin) -> LiveChannel:
        return ChannelsLiveChannel(plugin)

    @provide
    def notices(self, session: AsyncSession, dialect: SqlDialect) -> UnreadNotices:
        return SqlUnreadNotices(session, dialect)

    @provide
    def conversations(
        self, session: AsyncSession, dialect: SqlDialect, reads: DirectPool | None
    ) -> ConversationRepository:
        if reads is not None:
            return PostgresConversationRepository(session, dialect, reads)
        return SqlConversationRepository(session, dialect)

    @provide
    def messages(
        self, session: AsyncSession, dialect: SqlDialect, reads: DirectPool | None
    ) -> MessageRepository:
        if reads is not None:
            return PostgresMessageRepository(session, dialect, reads)
        return SqlMessageRepository(session, dialect)

    @provide
    def posts(
        self,
        reads: DirectPool | None,
        messages: MessageRepository,
        events: EventLog,
        tx: TransactionManager,
    ) -> MessagePosts:
        if reads is not None:
            return PostgresMessagePosts(reads)
        return UnitOfWorkMessagePosts(messages, events, tx)

    @provide(scope=Scope.APP)
    def rendered_pages(self, reads: DirectPool | None) -> RenderedPages | None:
        return None if reads is None else PostgresRenderedPages(reads)

    @provide
    def routes(
        self,
        reads: DirectPool | None,
        directory: UserDirectory,
        conversations: ConversationRepository,
        relationships: RelationshipRepository,
        profiles: ProfileRepository,
    ) -> DirectRoutes:
        if reads is not None:
            return PostgresDirectRoutes(reads)
        return RepositoryDirectRoutes(directory, conversations, relationships, profiles)

    broadcast = provide(Broadcast)
    poster = provide(Poster)
    gate = provide(SendGate)
    deliveries = provide(Deliveries)
    update_profile = provide(UpdateProfile)
    list_users = provide(ListUsers)
    send_message = provide(SendMessage)
    post_message = provide(PostMessage)
    create_group = provide(CreateGroup)
    add_members = provide(AddMembers)
    remove_member = provide(RemoveMember)
    list_conversations = provide(ListConversations)
    list_messages = provide(ListMessages)
    list_user_messages = provide(ListUserMessages)
    mark_read = provide(MarkRead)
    edit_message = provide(EditMessage)
    delete_message = provide(DeleteMessage)
    add_reaction = provide(AddReaction)
    remove_reaction = provide(RemoveReaction)
    block_user = provide(BlockUser)
    unblock_user = provide(UnblockUser)
    list_blocks = provide(ListBlocks)
    add_contact = provide(AddContact)
    remove_contact = provide(RemoveContact)
    list_contacts = provide(ListContacts)
    send_typing = provide(SendTyping)
    replay_events = provide(ReplayEvents)
    notify_unread = provide(NotifyUnread)
    purge_events = provide(PurgeEvents)
