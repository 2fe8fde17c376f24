"""Use cases as production builds them: `make_container` with every adapter that does I/O
replaced by its fake, so that use-case tests re-spell no constructor. The settings
(batch sizes, retry policy, login limits, channels turned off) are the real ones.

    async with use_cases(fakes, notify_max_attempts=3) as request:
        schedule = await request.get(ScheduleNotification)
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from dishka import AsyncContainer, Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.memory.accounts import (
    InMemoryMfaRepository,
    InMemorySessionRepository,
    InMemoryUserRepository,
)
from adapters.memory.api_keys import InMemoryApiKeyRepository
from adapters.memory.fanouts import InMemoryFanoutRepository
from adapters.memory.leads import (
    InMemoryLandbotInbox,
    InMemoryLeadRepository,
    InMemoryWelcomeEmails,
    RecordingTicketIntake,
)
from adapters.memory.messaging import (
    InMemoryEventLog,
    InMemoryMessageRepository,
    InMemoryMessaging,
    InMemoryPeople,
)
from adapters.memory.notifications import (
    InMemoryIdempotencyKeys,
    InMemoryNotificationIntake,
    InMemoryNotificationRepository,
    InMemoryProviderEventLog,
    InMemorySendQueue,
)
from adapters.memory.phone_lookup import ScriptedPhoneLookup
from adapters.memory.recipients import InMemoryRecipientRepository
from adapters.memory.subscriptions import (
    InMemoryInboundMessages,
    InMemoryOutboundTexts,
    InMemorySubscriptionRepository,
)
from adapters.memory.templates import InMemoryTemplateRepository
from adapters.memory.tickets import (
    FakeLandbotMessenger,
    InMemoryTicketRepository,
    RecordingLandbotOutbox,
)
from adapters.memory.topics import InMemoryTopicRepository
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from adapters.sql.direct_pool import DirectPool
from application.ports.accounts import (
    MfaRepository,
    PasswordHasher,
    SessionReader,
    SessionRepository,
    UserRepository,
)
from application.ports.api_keys import ApiKeyReader, ApiKeyRepository
from application.ports.clock import Clock
from application.ports.datapoints import DataPointReader, DataPointRepository, DataSource
from application.ports.fanouts import FanoutQueue, FanoutRepository
from application.ports.leads import (
    LandbotInbox,
    LeadQueue,
    LeadRepository,
    TicketIntake,
    WelcomeEmails,
)
from application.ports.messaging import (
    ConversationRepository,
    EventLog,
    MessageRepository,
    ProfileRepository,
    RelationshipRepository,
    UserDirectory,
)
from application.ports.notifications import (
    DeliveryMetrics,
    DeliveryRepository,
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
from application.ports.phone_lookup import PhoneLookup
from application.ports.randomness import Jitter
from application.ports.recipients import (
    NotificationRedactor,
    RecipientReader,
    RecipientRepository,
)
from application.ports.subscriptions import (
    InboundMessages,
    InboundQueue,
    OutboundTexts,
    SubscriptionRepository,
)
from application.ports.templates import TemplateReader, TemplateRepository
from application.ports.tickets import LandbotMessenger, LandbotOutbox, TicketRepository
from application.ports.topics import TopicRepository
from application.ports.transactions import TransactionManager
from application.preferences.contact_preferences import RecipientContactPreferences
from domain.leads import LandbotMessage
from domain.subscriptions import InboundSms
from entrypoints.ioc import make_container
from tests.conftest import make_settings
from tests.support.fakes import (
    FakeClock,
    FakePasswordHasher,
    RecordingFanoutQueue,
    RecordingInboundQueue,
    RecordingLeadQueue,
    RecordingMetrics,
    RecordingPoints,
    RecordingWakeup,
    ScriptedSender,
    ScriptedSource,
)

# Never opened: every repository is a fake, and the engine refuses to be built.
UNUSED_DATABASE = "sqlite+aiosqlite:///:memory:"


class Fakes:
    """The fakes one test shares. The in-memory repositories keep their rows in one
    store, so the unit of work rolls all of them back. Replace an attribute before the
    first use case is resolved to change a fake (e.g. `fakes.source`)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.clock = FakeClock(now)
        self.store = MemoryStore()
        self.users = InMemoryUserRepository(self.store)
        self.sessions = InMemorySessionRepository(self.users, self.store)
        self.mfa = InMemoryMfaRepository(self.store)
        self.recipients = InMemoryRecipientRepository(self.store)
        # What the container binds as ContactPreferenceRepository: the users' recipients.
        self.prefs = RecipientContactPreferences(self.recipients, self.users)
        self.api_keys = InMemoryApiKeyRepository(self.store)
        self.notifications = InMemoryNotificationRepository(self.store)
        self.keys = InMemoryIdempotencyKeys(self.store)
        self.events = InMemoryProviderEventLog(self.store)
        self.points = RecordingPoints(self.store)
        self.templates = InMemoryTemplateRepository(self.store)
        self.topics = InMemoryTopicRepository(self.recipients, self.store)
        self.fanouts = InMemoryFanoutRepository(
            self.topics, self.recipients, self.notifications, self.store
        )
        self.expansions = RecordingFanoutQueue()
        self.subscriptions = InMemorySubscriptionRepository(self.store)
        self.inbound_rows: dict[str, InboundSms] = self.store.dict_table()
        self.inbound_queue = RecordingInboundQueue()
        self.leads = InMemoryLeadRepository(self.store)
        self.landbot_rows: dict[str, LandbotMessage] = self.store.dict_table()
        self.lead_queue = RecordingLeadQueue()
        self.ticket_intake = RecordingTicketIntake()
        self.profiles = InMemoryPeople(self.users, self.store)
        self.messaging = InMemoryMessaging(self.users, self.store)
        self.events_log = InMemoryEventLog(self.store)
        # Answers as the format check does until a test scripts a number.
        self.phone_lookup = ScriptedPhoneLookup()
        self.source: DataSource = ScriptedSource()
        self.queue = InMemorySendQueue()
        self.wakeups = RecordingWakeup()
        self.sms = ScriptedSender("twilio")
        self.email = ScriptedSender("sendgrid")
        self.metrics = RecordingMetrics()
        self.hasher = FakePasswordHasher()
        self.tickets = InMemoryTicketRepository(self.recipients, self.store)
        self.landbot = FakeLandbotMessenger()
        self.landbot_outbox = RecordingLandbotOutbox()


class FakesProvider(Provider):
    """Binds every port that does I/O to its fake; after the production bindings, so it
    replaces them."""

    scope = Scope.APP

    def __init__(self, fakes: Fakes) -> None:
        super().__init__()
        self._fakes = fakes

    @provide
    def engine(self) -> AsyncEngine:
        raise AssertionError("a use-case test reached the database: bind that port to a fake")

    @provide
    def direct_pool(self) -> DirectPool | None:
        return None  # as on SQLite: the fakes' ports are all in the unit of work

    @provide
    def clock(self) -> Clock:
        return self._fakes.clock

    @provide
    def jitter(self) -> Jitter:
        return lambda: 0.0  # retries at exactly the step of their backoff

    @provide(scope=Scope.REQUEST)
    async def tx(self) -> AsyncIterator[InMemoryTransactionManager]:
        tx = InMemoryTransactionManager(self._fakes.store)
        yield tx
        await tx.rollback()  # as closing the request's SQL session does

    @provide(scope=Scope.REQUEST)
    def unit_of_work(self, tx: InMemoryTransactionManager) -> TransactionManager:
        return tx

    @provide
    def users(self) -> UserRepository:
        return self._fakes.users

    @provide
    def sessions(self) -> SessionRepository:
        return self._fakes.sessions

    @provide
    def mfa(self) -> MfaRepository:
        return self._fakes.mfa

    @provide
    def session_reader(self) -> SessionReader:
        return self._fakes.sessions

    @provide
    def api_keys(self) -> ApiKeyRepository:
        return self._fakes.api_keys

    @provide
    def api_key_reader(self) -> ApiKeyReader:
        return self._fakes.api_keys  # no cache: a revocation holds at once

    @provide
    def hasher(self) -> PasswordHasher:
        return self._fakes.hasher

    @provide
    def recipients(self) -> RecipientRepository:
        return self._fakes.recipients

    @provide
    def recipient_reader(self) -> RecipientReader:
        return self._fakes.recipients

    @provide
    def notifications(self) -> NotificationRepository:
        return self._fakes.notifications

    @provide
    def fanouts(self) -> FanoutRepository:
        return self._fakes.fanouts

    @provide
    def fanout_queue(self) -> FanoutQueue:
        return self._fakes.expansions

    @provide(scope=Scope.REQUEST)
    def intake(self, tx: InMemoryTransactionManager) -> NotificationIntake:
        return InMemoryNotificationIntake(self._fakes.notifications, self._fakes.keys, tx)

    @provide
    def deliveries(self) -> DeliveryRepository:
        return self._fakes.notifications  # one store of rows for both ports, as in SQL

    @provide
    def redactor(self) -> NotificationRedactor:
        return self._fakes.notifications

    @provide
    def keys(self) -> IdempotencyKeys:
        return self._fakes.keys

    @provide
    def provider_events(self) -> ProviderEventLog:
        return self._fakes.events

    @provide(scope=Scope.REQUEST)
    def queue(self) -> SendQueue:
        return self._fakes.queue

    @provide
    def wakeup(self) -> SchedulerWakeup:
        return self._fakes.wakeups

    @provide
    def sms(self) -> SmsSender:
        return self._fakes.sms

    @provide
    def email(self) -> EmailSender:
        return self._fakes.email

    @provide
    def delivery_metrics(self) -> DeliveryMetrics:
        return self._fakes.metrics

    @provide
    def dispatch_metrics(self) -> DispatchMetrics:
        return self._fakes.metrics

    @provide
    def points(self) -> DataPointRepository:
        return self._fakes.points

    @provide
    def point_reader(self) -> DataPointReader:
        return self._fakes.points

    @provide
    def source(self) -> DataSource:
        return self._fakes.source

    @provide
    def templates(self) -> TemplateRepository:
        return self._fakes.templates

    @provide
    def template_reader(self) -> TemplateReader:
        return self._fakes.templates

    @provide
    def topics(self) -> TopicRepository:
        return self._fakes.topics

    @provide
    def subscriptions(self) -> SubscriptionRepository:
        return self._fakes.subscriptions

    @provide(scope=Scope.REQUEST)
    def inbound(self, tx: InMemoryTransactionManager) -> InboundMessages:
        return InMemoryInboundMessages(self._fakes.inbound_rows, tx)

    @provide(scope=Scope.REQUEST)
    def outbound(self) -> OutboundTexts:
        return InMemoryOutboundTexts(self._fakes.notifications)

    @provide
    def inbound_queue(self) -> InboundQueue:
        return self._fakes.inbound_queue

    def directory(self) -> UserDirectory:
        return self._fakes.profiles

    @provide
    def profiles(self) -> ProfileRepository:
        return self._fakes.profiles

    @provide
    def relationships(self) -> RelationshipRepository:
        return self._fakes.profiles

    @provide
    def events(self) -> EventLog:
        return self._fakes.events_log

    @provide
    def conversations(self) -> ConversationRepository:
        return self._fakes.messaging

    @provide
    def messages(self) -> MessageRepository:
        return InMemoryMessageRepository(self._fakes.messaging)

    @provide
    def phone_lookup(self) -> PhoneLookup:
        return self._fakes.phone_lookup

    @provide
    def leads(self) -> LeadRepository:
        return self._fakes.leads

    @provide(scope=Scope.REQUEST)
    def landbot_inbox(self, tx: InMemoryTransactionManager) -> LandbotInbox:
        return InMemoryLandbotInbox(self._fakes.landbot_rows, tx)

    @provide(scope=Scope.REQUEST)
    def welcome_emails(self) -> WelcomeEmails:
        return InMemoryWelcomeEmails(self._fakes.notifications)

    @provide
    def lead_queue(self) -> LeadQueue:
        return self._fakes.lead_queue

    @provide
    def ticket_intake(self) -> TicketIntake:
        return self._fakes.ticket_intake

    @provide
    def tickets(self) -> TicketRepository:
        return self._fakes.tickets

    @provide
    def landbot(self) -> LandbotMessenger:
        return self._fakes.landbot

    @provide
    def landbot_outbox(self) -> LandbotOutbox:
        return self._fakes.landbot_outbox


@asynccontextmanager
async def use_cases(
    fakes: Fakes, *overrides: Provider, **settings: object
) -> AsyncIterator[AsyncContainer]:
    """A request scope of the production container over `fakes`, with these settings."""
    container = make_container(
        make_settings(UNUSED_DATABASE, **settings), FakesProvider(fakes), *overrides
    )
    try:
        async with container() as request:
            yield request
    finally:
        await container.close()
