"""Bindings of fan-outs: the repository (PostgreSQL's one-statement batches, or the
portable forms on SQLite), the expansion queue on the process's broker, and the use cases."""

from datetime import timedelta

from dishka import AsyncContainer, Provider, Scope, decorate, from_context, provide
from sqlalchemy.ext.asyncio import AsyncSession
from taskiq import AsyncBroker

from adapters.sql.dialect import SqlDialect
from adapters.sql.direct_pool import DirectPool
from adapters.sql.fanouts import SqlFanoutRepository
from adapters.sql.fanouts_postgres import PostgresFanoutRepository
from adapters.taskiq.fanouts import TaskiqFanoutQueue
from application.events import DomainEvents
from application.fanouts.announce_ticket import AnnounceTicket
from application.fanouts.cancel_fanout import CancelFanout
from application.fanouts.config import FanoutConfig
from application.fanouts.expand_fanout import ExpandFanout
from application.fanouts.get_fanout import GetFanout
from application.fanouts.list_fanouts import ListFanouts
from application.fanouts.queue_expansion import QueueExpansion
from application.fanouts.recover_stalled import RecoverStalledFanouts
from application.fanouts.trigger_topic import TriggerTopic
from application.ports.clock import Clock
from application.ports.fanouts import FanoutQueue, FanoutRepository
from application.ports.topics import TopicRepository
from domain.tickets import TicketOpened
from entrypoints.settings import FanoutSettings


class FanoutsProvider(Provider):
    scope = Scope.REQUEST

    settings = from_context(provides=FanoutSettings, scope=Scope.APP)

    @provide
    def fanouts(self, session: AsyncSession, dialect: SqlDialect) -> FanoutRepository:
        if dialect.is_postgresql:
            return PostgresFanoutRepository(session)
        return SqlFanoutRepository(session)

    @provide(scope=Scope.APP)
    def queue(self, broker: AsyncBroker) -> FanoutQueue:
        return TaskiqFanoutQueue(broker)

    @provide(scope=Scope.APP)
    def config(self, settings: FanoutSettings, pool: DirectPool | None) -> FanoutConfig:
        # The direct pool is open exactly on PostgreSQL (ioc.infrastructure). SQLite has
        # one writer: parts side by side would only wait for each other.
        parts = settings.parts if pool is not None else 1
        return FanoutConfig(settings.batch, parts, timedelta(seconds=settings.lease_seconds))

    trigger = provide(TriggerTopic)
    queue_expansion = provide(QueueExpansion)

    @decorate
    def reactions(
        self,
        events: DomainEvents,
        topics: TopicRepository,
        clock: Clock,
        container: AsyncContainer,
        queue: QueueExpansion,
    ) -> DomainEvents:
        """A new ticket (`TicketOpened`) is a fan-out to its staff topics; the use case
        is resolved when the event comes, not for every unit of work."""
        announce = AnnounceTicket(topics, clock, lambda: container.get(TriggerTopic), queue)
        events.subscribe(TicketOpened, announce)
        return events

    expand = provide(ExpandFanout)
    get_fanout = provide(GetFanout)
    list_fanouts = provide(ListFanouts)
    cancel = provide(CancelFanout)
    recover = provide(RecoverStalledFanouts)
