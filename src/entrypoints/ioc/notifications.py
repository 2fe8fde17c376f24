"""Bindings of notifications and their delivery engine: repositories, use cases, the
senders of each channel as their settings choose them, the inbound adapters of the
providers' callbacks with their verifiers, the delivery metrics."""

from collections.abc import AsyncIterator
from datetime import timedelta

from dishka import Provider, Scope, alias, from_context, provide
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.console.notifications import ConsoleEmailSender, ConsoleSmsSender, DevOutbox
from adapters.disabled.notifications import DisabledSender
from adapters.memory.wakeup import InProcessWakeup
from adapters.prometheus.notifications import PrometheusDeliveryMetrics, PrometheusDispatchMetrics
from adapters.redis.wakeup import RedisWakeup
from adapters.sendgrid.events import SendGridEvents
from adapters.sendgrid.notifications import SendGridEmailSender
from adapters.sendgrid.signature import SendGridEventVerifier
from adapters.sql.dialect import SqlDialect
from adapters.sql.notifications import (
    SqlDeliveryRepository,
    SqlIdempotencyKeys,
    SqlNotificationRepository,
    SqlProviderEventLog,
)
from adapters.sql.notifications_postgres import PostgresDeliveryRepository
from adapters.twilio.callbacks import TwilioStatusCallbacks
from adapters.twilio.notifications import TwilioSmsSender
from adapters.twilio.signature import TwilioSignatureVerifier
from application.events import DomainEvents
from application.notifications.cancel_notification import CancelNotification
from application.notifications.config import ChannelSwitch, DeliveryConfig
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
    DeliveryRepository,
    DispatchMetrics,
    EmailSender,
    IdempotencyKeys,
    NotificationRepository,
    ProviderEventLog,
    SchedulerWakeup,
    SendQueue,
    SmsSender,
)
from application.ports.transactions import TransactionManager
from domain.notifications import RetryPolicy
from domain.preferences import Channel
from entrypoints.http.paths import TWILIO_STATUS_PATH
from entrypoints.settings import Settings


class NotificationsProvider(Provider):
    scope = Scope.REQUEST

    notifications = provide(SqlNotificationRepository, provides=NotificationRepository)
    idempotency = provide(SqlIdempotencyKeys, provides=IdempotencyKeys)
    provider_events = provide(SqlProviderEventLog, provides=ProviderEventLog)

    @provide
    def deliveries(self, session: AsyncSession, dialect: SqlDialect) -> DeliveryRepository:
        if dialect.is_postgresql:
            return PostgresDeliveryRepository(session)
        return SqlDeliveryRepository(session)

    # Only the scheduler's dispatcher loop hands work to workers; it passes its queue in.
    send_queue = from_context(provides=SendQueue, scope=Scope.REQUEST)
    wakeup_port = alias(source=InProcessWakeup, provides=SchedulerWakeup)

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
    # In the container's registry (ioc.infrastructure), so that a process exposes only
    # the metrics of its own work.
    delivery_metrics = provide(PrometheusDeliveryMetrics, provides=DeliveryMetrics, scope=Scope.APP)
    dispatch_metrics = provide(PrometheusDispatchMetrics, provides=DispatchMetrics, scope=Scope.APP)

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
        deliveries: DeliveryRepository,
        events: DomainEvents,
        sms: SmsSender,
        email: EmailSender,
        wakeup: SchedulerWakeup,
        config: DeliveryConfig,
        clock: Clock,
        tx: TransactionManager,
        metrics: DeliveryMetrics,
    ) -> DeliverNotifications:
        return DeliverNotifications(
            deliveries, events, sms, email, wakeup, config, clock, tx, metrics
        )


def twilio_callback_url(settings: Settings) -> str:
    """Where Twilio posts message statuses, and the URL its signatures cover."""
    return settings.public_url.rstrip("/") + TWILIO_STATUS_PATH


class SendersProvider(Provider):
    scope = Scope.APP

    @provide
    def outbox(self) -> DevOutbox:
        return DevOutbox()

    @provide
    async def sms_sender(
        self, settings: Settings, outbox: DevOutbox, clock: Clock
    ) -> AsyncIterator[SmsSender]:
        match settings.sms_sender():
            case "none":
                yield DisabledSender("sms")
                return
            case "console":
                yield ConsoleSmsSender(outbox, clock)
                return
        # sms_sender() chose twilio, so both are set.
        assert settings.twilio_account_sid
        assert settings.twilio_auth_token
        sender = TwilioSmsSender(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            from_number=settings.twilio_from_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            status_callback_url=twilio_callback_url(settings),
            base_url=settings.twilio_base_url,
            timeout_seconds=settings.provider_timeout_seconds,
        )
        yield sender
        await sender.aclose()

    @provide
    async def email_sender(
        self, settings: Settings, outbox: DevOutbox, clock: Clock
    ) -> AsyncIterator[EmailSender]:
        match settings.email_sender():
            case "none":
                yield DisabledSender("email")
                return
            case "console":
                yield ConsoleEmailSender(outbox, clock)
                return
        assert settings.sendgrid_api_key
        assert settings.sendgrid_from_email
        sender = SendGridEmailSender(
            settings.sendgrid_api_key,
            settings.sendgrid_from_email,
            base_url=settings.sendgrid_base_url,
            timeout_seconds=settings.provider_timeout_seconds,
        )
        yield sender
        await sender.aclose()

    @provide
    def channels(self, settings: Settings) -> ChannelSwitch:
        off = {Channel.SMS} if settings.sms_sender() == "none" else set()
        if settings.email_sender() == "none":
            off.add(Channel.EMAIL)
        return ChannelSwitch(frozenset(off))

    @provide
    def twilio_verifier(self, settings: Settings) -> TwilioSignatureVerifier | None:
        """None when Twilio is not configured: nothing can be verified then."""
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            return None
        return TwilioSignatureVerifier(settings.twilio_auth_token)

    @provide
    def twilio_callbacks(
        self, settings: Settings, verifier: TwilioSignatureVerifier | None
    ) -> TwilioStatusCallbacks:
        return TwilioStatusCallbacks(verifier, twilio_callback_url(settings))

    @provide
    def sendgrid_events(
        self, settings: Settings, verifier: SendGridEventVerifier | None
    ) -> SendGridEvents:
        # Unsigned events could mark any sent email failed: only the embedded default
        # (a developer's machine) takes them.
        return SendGridEvents(verifier, accept_unsigned=settings.embedded)

    @provide
    def sendgrid_verifier(self, settings: Settings, clock: Clock) -> SendGridEventVerifier | None:
        """None when no key is configured: SendGrid's event webhook is then unsigned."""
        if not settings.sendgrid_webhook_public_key:
            return None
        return SendGridEventVerifier(
            settings.sendgrid_webhook_public_key, settings.webhook_max_age_seconds, clock
        )
