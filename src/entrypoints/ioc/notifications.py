"""Bindings of notifications and their delivery engine: repositories, use cases, the
senders of each channel as their settings choose them, the inbound adapters of the
providers' callbacks with their verifiers, the delivery metrics."""

from collections.abc import AsyncIterator
from datetime import timedelta

from dishka import AnyOf, AsyncContainer, Provider, Scope, decorate, from_context, provide
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
from adapters.smtp.notifications import SmtpEmailSender
from adapters.sql.dialect import SqlDialect
from adapters.sql.direct_pool import DirectPool
from adapters.sql.notifications import (
    SqlDeliveryRepository,
    SqlIdempotencyKeys,
    SqlNotificationIntake,
    SqlNotificationRepository,
    SqlProviderEventLog,
)
from adapters.sql.notifications_postgres import (
    PostgresDeliveryRepository,
    PostgresNotificationIntake,
)
from adapters.twilio.callbacks import TwilioStatusCallbacks
from adapters.twilio.notifications import TwilioSmsSender
from adapters.twilio.signature import TwilioSignatureVerifier
from application.events import DomainEvents
from application.notifications.cancel_notification import CancelNotification
from application.notifications.config import ChannelSwitch, DeliveryConfig
from application.notifications.count_due import CountDueNotifications
from application.notifications.deliver_notifications import DeliverNotifications
from application.notifications.dispatch_due import DispatchDueNotifications
from application.notifications.dispatcher import DispatcherTiming
from application.notifications.get_notification import GetNotification
from application.notifications.list_activity import ListActivity
from application.notifications.list_notifications import ListNotifications
from application.notifications.notify_messages_waiting import NotifyMessagesWaiting
from application.notifications.notify_ticket_people import (
    NotifyTicketAssignee,
    NotifyTicketRequester,
)
from application.notifications.pending import PendingSends
from application.notifications.record_provider_status import RecordProviderStatus
from application.notifications.recover_stalled import RecoverStalledDeliveries
from application.notifications.schedule_notification import ScheduleNotification
from application.ports.accounts import UserRepository
from application.ports.clock import Clock
from application.ports.notifications import (
    DeliveryMetrics,
    DeliveryRepository,
    DispatcherWakeup,
    DispatchMetrics,
    EmailSender,
    IdempotencyKeys,
    NotificationIntake,
    NotificationRepository,
    ProviderEventLog,
    SchedulerWakeup,
    SendQueue,
    SmsSender,
)
from application.ports.recipients import NotificationRedactor, RecipientRepository
from domain.messaging import MessagesWaiting
from domain.notifications import RetryPolicy
from domain.preferences import Channel
from domain.tickets import CustomerReplied, CustomerToldOfTicket, TicketAssigned
from entrypoints.http.paths import TWILIO_STATUS_PATH
from entrypoints.settings import (
    ChannelProviders,
    DeliverySettings,
    HttpSettings,
    ModeSettings,
    SendGridSettings,
    Settings,
    SmtpSettings,
    TwilioSettings,
)


class NotificationsProvider(Provider):
    scope = Scope.REQUEST

    @decorate
    def reactions(
        self,
        events: DomainEvents,
        users: UserRepository,
        recipients: RecipientRepository,
        container: AsyncContainer,
    ) -> DomainEvents:
        """Messaging's offline fallback (`MessagesWaiting`), a ticket's assignment
        (`TicketAssigned`) and its customer's reply (`CustomerReplied`), and what a
        ticket's customer is told (`CustomerToldOfTicket`) become notifications; the use
        case is resolved when the event comes, not for every unit of work."""

        async def made() -> ScheduleNotification:
            return await container.get(ScheduleNotification)

        events.subscribe(MessagesWaiting, NotifyMessagesWaiting(users, made))
        assignee = NotifyTicketAssignee(users, made)
        events.subscribe(TicketAssigned, assignee)
        events.subscribe(CustomerReplied, assignee)
        events.subscribe(CustomerToldOfTicket, NotifyTicketRequester(recipients, made))
        return events

    notifications = provide(
        SqlNotificationRepository, provides=AnyOf[NotificationRepository, NotificationRedactor]
    )
    idempotency = provide(SqlIdempotencyKeys, provides=IdempotencyKeys)
    provider_events = provide(SqlProviderEventLog, provides=ProviderEventLog)

    @provide
    def intake(self, reads: DirectPool | None, session: AsyncSession) -> NotificationIntake:
        # The direct pool is open exactly on PostgreSQL (ioc.infrastructure).
        return (
            SqlNotificationIntake(session) if reads is None else PostgresNotificationIntake(reads)
        )

    @provide
    def deliveries(self, session: AsyncSession, dialect: SqlDialect) -> DeliveryRepository:
        if dialect.is_postgresql:
            return PostgresDeliveryRepository(session)
        return SqlDeliveryRepository(session)

    # Only the scheduler's dispatcher loop hands work to workers; it passes its queue in.
    send_queue = from_context(provides=SendQueue, scope=Scope.REQUEST)

    schedule = provide(ScheduleNotification)
    list_notifications = provide(ListNotifications)
    list_activity = provide(ListActivity)
    get_notification = provide(GetNotification)
    cancel = provide(CancelNotification)
    dispatch = provide(DispatchDueNotifications)
    count_due = provide(CountDueNotifications)
    recover = provide(RecoverStalledDeliveries)
    record_status = provide(RecordProviderStatus)
    deliver = provide(DeliverNotifications)

    # The scheduler's buffer of claimed, not yet due work: one per process.
    pending = provide(PendingSends, scope=Scope.APP)
    # In the container's registry (ioc.infrastructure), so that a process exposes only
    # the metrics of its own work.
    delivery_metrics = provide(PrometheusDeliveryMetrics, provides=DeliveryMetrics, scope=Scope.APP)
    dispatch_metrics = provide(PrometheusDispatchMetrics, provides=DispatchMetrics, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def config(self, delivery: DeliverySettings) -> DeliveryConfig:
        return DeliveryConfig(
            claim_batch=delivery.claim_batch,
            message_batch=delivery.message_batch,
            lease=timedelta(seconds=delivery.lease_seconds),
            lookahead=timedelta(seconds=delivery.lookahead_seconds),
            idle_refill=timedelta(seconds=delivery.poll_seconds),
            retry=RetryPolicy(
                delivery.max_attempts, delivery.backoff_base_seconds, delivery.backoff_cap_seconds
            ),
        )

    @provide(scope=Scope.APP)
    def dispatcher_timing(self, delivery: DeliverySettings) -> DispatcherTiming:
        return DispatcherTiming(
            poll=timedelta(seconds=delivery.poll_seconds),
            batch_window=timedelta(seconds=delivery.batch_window_seconds),
        )

    @provide(scope=Scope.APP)
    async def wakeup(
        self, mode: ModeSettings, redis: Redis | None, clock: Clock
    ) -> AsyncIterator[AnyOf[SchedulerWakeup, DispatcherWakeup]]:
        """In-process event in the embedded default, else Redis pub/sub across processes."""
        if redis is None:
            yield InProcessWakeup(clock)
            return
        wakeup = RedisWakeup(redis, f"{mode.task_queue}:wakeup", clock)
        yield wakeup
        await wakeup.close()


def twilio_callback_url(http: HttpSettings) -> str:
    """Where Twilio posts message statuses, and the URL its signatures cover."""
    return http.public_url.rstrip("/") + TWILIO_STATUS_PATH


class SendersProvider(Provider):
    scope = Scope.APP

    @provide
    def outbox(self) -> DevOutbox:
        return DevOutbox()

    @provide
    def providers(self, settings: Settings) -> ChannelProviders:
        return settings.channel_providers()

    @provide
    async def sms_sender(
        self,
        providers: ChannelProviders,
        twilio: TwilioSettings,
        delivery: DeliverySettings,
        http: HttpSettings,
        outbox: DevOutbox,
        clock: Clock,
    ) -> AsyncIterator[SmsSender]:
        match providers.sms:
            case "none":
                yield DisabledSender("sms")
                return
            case "console":
                yield ConsoleSmsSender(outbox, clock)
                return
        # Twilio was chosen, so both are set.
        assert twilio.account_sid
        assert twilio.auth_token
        sender = TwilioSmsSender(
            twilio.account_sid,
            twilio.auth_token,
            from_number=twilio.from_number,
            messaging_service_sid=twilio.messaging_service_sid,
            status_callback_url=twilio_callback_url(http),
            base_url=twilio.base_url,
            timeout_seconds=delivery.provider_timeout_seconds,
        )
        yield sender
        await sender.aclose()

    @provide
    async def email_sender(
        self,
        providers: ChannelProviders,
        sendgrid: SendGridSettings,
        smtp: SmtpSettings,
        delivery: DeliverySettings,
        outbox: DevOutbox,
        clock: Clock,
    ) -> AsyncIterator[EmailSender]:
        match providers.email:
            case "none":
                yield DisabledSender("email")
                return
            case "console":
                yield ConsoleEmailSender(outbox, clock)
                return
            case "smtp":  # both are set when SMTP was chosen
                assert smtp.from_email
                yield SmtpEmailSender(
                    smtp.server, smtp.from_email, timeout_seconds=delivery.provider_timeout_seconds
                )
                return
        assert sendgrid.api_key
        assert sendgrid.from_email
        sender = SendGridEmailSender(
            sendgrid.api_key,
            sendgrid.from_email,
            base_url=sendgrid.base_url,
            timeout_seconds=delivery.provider_timeout_seconds,
        )
        yield sender
        await sender.aclose()

    @provide
    def channels(self, providers: ChannelProviders) -> ChannelSwitch:
        off = {Channel.SMS} if providers.sms == "none" else set()
        if providers.email == "none":
            off.add(Channel.EMAIL)
        return ChannelSwitch(frozenset(off))

    @provide
    def twilio_verifier(self, twilio: TwilioSettings) -> TwilioSignatureVerifier | None:
        """None when Twilio is not configured: nothing can be verified then."""
        if not (twilio.account_sid and twilio.auth_token):
            return None
        return TwilioSignatureVerifier(twilio.auth_token)

    @provide
    def twilio_callbacks(
        self, http: HttpSettings, verifier: TwilioSignatureVerifier | None
    ) -> TwilioStatusCallbacks:
        return TwilioStatusCallbacks(verifier, twilio_callback_url(http))

    @provide
    def sendgrid_events(
        self, mode: ModeSettings, verifier: SendGridEventVerifier | None
    ) -> SendGridEvents:
        # Unsigned events could mark any sent email failed: only the embedded default
        # (a developer's machine) takes them.
        return SendGridEvents(verifier, accept_unsigned=mode.embedded)

    @provide
    def sendgrid_verifier(
        self, sendgrid: SendGridSettings, clock: Clock
    ) -> SendGridEventVerifier | None:
        """None when no key is configured: SendGrid's event webhook is then unsigned."""
        if not sendgrid.webhook_public_key:
            return None
        return SendGridEventVerifier(
            sendgrid.webhook_public_key, sendgrid.webhook_max_age_seconds, clock
        )
