"""Bindings of contact preferences, notifications and the delivery engine."""

from collections.abc import AsyncIterator
from datetime import timedelta

from dishka import Provider, Scope, alias, from_context, provide
from redis.asyncio import Redis

from adapters.memory.wakeup import InProcessWakeup
from adapters.redis.wakeup import RedisWakeup
from adapters.sql.notifications import (
    SqlIdempotencyKeys,
    SqlNotificationRepository,
    SqlProviderEventLog,
)
from adapters.sql.preferences import SqlContactPreferenceRepository
from application.notifications.cancel_notification import CancelNotification
from application.notifications.config import DeliveryConfig
from application.notifications.count_due import CountDueNotifications
from application.notifications.deliver_notifications import DeliverNotifications
from application.notifications.dispatch_due import DispatchDueNotifications
from application.notifications.get_notification import GetNotification
from application.notifications.list_activity import ListActivity
from application.notifications.list_notifications import ListNotifications
from application.notifications.pending import PendingSends
from application.notifications.record_provider_status import RecordProviderStatus
from application.notifications.recover_stalled import RecoverStalledDeliveries
from application.notifications.schedule_notification import ScheduleNotification
from application.ports.clock import Clock
from application.ports.notifications import (
    DeliveryMetrics,
    EmailSender,
    IdempotencyKeys,
    NotificationRepository,
    ProviderEventLog,
    SchedulerWakeup,
    SendQueue,
    SmsSender,
)
from application.ports.preferences import ContactPreferenceRepository
from application.ports.transactions import TransactionManager
from application.preferences.get_preferences import GetPreferences
from application.preferences.update_preferences import UpdatePreferences
from domain.notifications import RetryPolicy
from entrypoints.settings import Settings


class NotificationProvider(Provider):
    scope = Scope.REQUEST

    prefs = provide(SqlContactPreferenceRepository, provides=ContactPreferenceRepository)
    notifications = provide(SqlNotificationRepository, provides=NotificationRepository)
    idempotency = provide(SqlIdempotencyKeys, provides=IdempotencyKeys)
    provider_events = provide(SqlProviderEventLog, provides=ProviderEventLog)
    # Only the scheduler's dispatcher loop hands work to workers; it passes its queue in.
    send_queue = from_context(provides=SendQueue, scope=Scope.REQUEST)
    wakeup_port = alias(source=InProcessWakeup, provides=SchedulerWakeup)

    get_preferences = provide(GetPreferences)
    update_preferences = provide(UpdatePreferences)
    schedule = provide(ScheduleNotification)
    list_notifications = provide(ListNotifications)
    list_activity = provide(ListActivity)
    get_notification = provide(GetNotification)
    cancel = provide(CancelNotification)
    dispatch = provide(DispatchDueNotifications)
    count_due = provide(CountDueNotifications)
    recover = provide(RecoverStalledDeliveries)
    record_status = provide(RecordProviderStatus)

    # The scheduler's buffer of claimed, not yet due work: one per process.
    pending = provide(PendingSends, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def config(self, settings: Settings) -> DeliveryConfig:
        return DeliveryConfig(
            claim_batch=settings.notify_claim_batch,
            message_batch=settings.notify_message_batch,
            lease=timedelta(seconds=settings.notify_lease_seconds),
            lookahead=timedelta(seconds=settings.notify_lookahead_seconds),
            idle_refill=timedelta(seconds=settings.notify_poll_seconds),
            retry=RetryPolicy(
                settings.notify_max_attempts,
                settings.notify_backoff_base_seconds,
                settings.notify_backoff_cap_seconds,
            ),
        )

    @provide(scope=Scope.APP)
    async def wakeup(
        self, settings: Settings, redis: Redis | None
    ) -> AsyncIterator[InProcessWakeup]:
        """In-process event in the embedded default, else Redis pub/sub across processes."""
        if redis is None:
            yield InProcessWakeup()
            return
        wakeup = RedisWakeup(redis, f"{settings.task_queue}:wakeup")
        yield wakeup
        await wakeup.close()

    @provide
    def deliver(
        self,
        notifications: NotificationRepository,
        prefs: ContactPreferenceRepository,
        sms: SmsSender,
        email: EmailSender,
        wakeup: SchedulerWakeup,
        config: DeliveryConfig,
        clock: Clock,
        tx: TransactionManager,
        metrics: DeliveryMetrics,
    ) -> DeliverNotifications:
        return DeliverNotifications(
            notifications, prefs, sms, email, wakeup, config, clock, tx, metrics
        )
