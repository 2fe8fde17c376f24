"""Bindings of SMS subscriptions: the repositories, the texts written to the engine's
outbox in the request's unit of work, the anti-pumping limits (Redis across processes,
memory in the embedded default), the program's rules, Twilio's inbound webhook, the
inbound queue (Taskiq), the intent classifier, the use cases."""

from collections.abc import AsyncIterator
from datetime import timedelta

from dishka import Provider, Scope, provide
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession
from taskiq import AsyncBroker

from adapters.console.notifications import DevOutbox
from adapters.console.subscriptions import DevPhone
from adapters.local.intents import LocalIntentClassifier, training_file
from adapters.memory.accounts import InMemoryRateLimiter
from adapters.prometheus.subscriptions import PrometheusFallbackMetrics
from adapters.rasa.intents import RasaIntentClassifier
from adapters.redis.accounts import RedisRateLimiter
from adapters.sql.dialect import SqlDialect
from adapters.sql.direct_pool import DirectPool
from adapters.sql.subscriptions import (
    SqlInboundMessages,
    SqlOutboundTexts,
    SqlSubscriptionRepository,
)
from adapters.sql.subscriptions_postgres import PostgresInboundMessages
from adapters.taskiq.subscriptions import TaskiqInboundQueue
from adapters.twilio.inbound import TwilioInboundSms
from adapters.twilio.signature import TwilioSignatureVerifier
from application.ports.accounts import RateLimiter
from application.ports.subscriptions import (
    FallbackMetrics,
    InboundMessages,
    InboundQueue,
    IntentClassifier,
    OutboundTexts,
    SubscriptionRepository,
)
from application.subscriptions.config import SubscriptionRules
from application.subscriptions.expire_subscriptions import ExpireSubscriptions
from application.subscriptions.get_subscription import GetSubscription
from application.subscriptions.handle_sms import HandleSms
from application.subscriptions.limits import ConfirmationLimits
from application.subscriptions.list_subscriptions import ListSubscriptions
from application.subscriptions.moves import SubscriptionMoves
from application.subscriptions.receive_sms import ReceiveSms
from application.subscriptions.requeue_inbound import RequeueInbound
from application.subscriptions.subscribe import Subscribe
from application.subscriptions.texts import SubscriptionTexts
from application.subscriptions.unsubscribe import Unsubscribe
from entrypoints.http.paths import TWILIO_INBOUND_PATH
from entrypoints.settings import ChannelProviders, HttpSettings, SubscriptionsSettings

HOUR = 3600
DAY = 24 * HOUR


class SubscriptionsProvider(Provider):
    scope = Scope.REQUEST

    @provide
    def subscriptions(self, session: AsyncSession, dialect: SqlDialect) -> SubscriptionRepository:
        return SqlSubscriptionRepository(session, dialect)

    @provide
    def inbound(
        self, session: AsyncSession, dialect: SqlDialect, reads: DirectPool | None
    ) -> InboundMessages:
        # The direct pool is open exactly on PostgreSQL (ioc.infrastructure).
        in_unit_of_work = SqlInboundMessages(session, dialect)
        if reads is None:
            return in_unit_of_work
        return PostgresInboundMessages(reads, in_unit_of_work)

    @provide
    def outbound(self, session: AsyncSession) -> OutboundTexts:
        return SqlOutboundTexts(session)

    @provide(scope=Scope.APP)
    def rules(
        self, settings: SubscriptionsSettings, providers: ChannelProviders
    ) -> SubscriptionRules:
        return SubscriptionRules(
            program=settings.program_name.strip(),
            help_contact=settings.help_contact.strip(),
            confirm_ttl=timedelta(seconds=settings.confirm_ttl_seconds),
            resend_every=timedelta(seconds=settings.resend_seconds),
            update_offsets=tuple(timedelta(seconds=o) for o in settings.offsets),
            auto_replies_per_hour=settings.auto_replies_per_hour,
            # Only Twilio answers STOP itself; the console sender answers nothing.
            provider_handles_opt_out=settings.twilio_handles_opt_out and providers.sms == "twilio",
        )

    @provide(scope=Scope.APP)
    def limits(self, settings: SubscriptionsSettings, redis: Redis | None) -> ConfirmationLimits:
        def limiter(limit: int, window: int) -> RateLimiter:
            if redis is None:
                return InMemoryRateLimiter(limit, window)
            return RedisRateLimiter(redis, limit, window, prefix="herald:sub:")

        return ConfirmationLimits(
            limiter(settings.limit_per_caller_hour, HOUR),
            limiter(settings.limit_per_phone_day, DAY),
            limiter(settings.limit_per_country_hour, HOUR),
        )

    @provide(scope=Scope.APP)
    def inbound_queue(self, broker: AsyncBroker) -> InboundQueue:
        return TaskiqInboundQueue(broker)

    @provide(scope=Scope.APP)
    def twilio_inbound(
        self, http: HttpSettings, verifier: TwilioSignatureVerifier | None
    ) -> TwilioInboundSms:
        return TwilioInboundSms(verifier, http.public_url.rstrip("/") + TWILIO_INBOUND_PATH)

    fallback_metrics = provide(PrometheusFallbackMetrics, provides=FallbackMetrics, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def classifier(
        self, settings: SubscriptionsSettings, metrics: FallbackMetrics
    ) -> AsyncIterator[IntentClassifier]:
        """The local classifier; with HERALD_INTENT_CLASSIFIER=rasa, Rasa over it."""
        local = LocalIntentClassifier.from_nlu_file(training_file())
        if settings.intent_classifier == "local":
            yield local
            return
        assert settings.rasa_url is not None  # the settings check it
        rasa = RasaIntentClassifier(
            settings.rasa_url,
            settings.rasa_token,
            local,
            metrics,
            threshold=settings.rasa_confidence_threshold,
            timeout_seconds=settings.rasa_timeout_seconds,
        )
        yield rasa
        await rasa.aclose()

    @provide(scope=Scope.APP)
    def dev_phone(self, outbox: DevOutbox) -> DevPhone:
        return DevPhone(outbox)

    texts = provide(SubscriptionTexts)
    moves = provide(SubscriptionMoves)
    subscribe = provide(Subscribe)
    list_subscriptions = provide(ListSubscriptions)
    get_subscription = provide(GetSubscription)
    unsubscribe = provide(Unsubscribe)
    receive_sms = provide(ReceiveSms)
    handle_sms = provide(HandleSms)
    expire_subscriptions = provide(ExpireSubscriptions)
    requeue_inbound = provide(RequeueInbound)
