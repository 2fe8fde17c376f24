"""Bindings of tickets: the repository, Landbot (the messenger and the outbox of its task,
both off without HERALD_LANDBOT_API_TOKEN), and the use cases. Other capabilities react
to tickets' events in their own modules: fan-outs announce a new ticket to the staff
(`ioc/fanouts.py`), notifications tell the assignee and the customer
(`ioc/notifications.py`)."""

from collections.abc import AsyncIterator
from datetime import timedelta

from dishka import Provider, Scope, from_context, provide
from sqlalchemy.ext.asyncio import AsyncSession
from taskiq import AsyncBroker

from adapters.disabled.tickets import DisabledLandbotMessenger, DisabledLandbotOutbox
from adapters.landbot.tickets import HttpLandbotMessenger
from adapters.sql.dialect import SqlDialect
from adapters.sql.tickets import PostgresTicketRepository, SqlTicketRepository
from adapters.taskiq.tickets import TaskiqLandbotOutbox
from application.ports.leads import TicketIntake
from application.ports.tickets import LandbotMessenger, LandbotOutbox, TicketRepository
from application.tickets.close_solved import CloseSolvedTickets
from application.tickets.comment_from_customer import CommentFromCustomer
from application.tickets.comment_on_ticket import CommentOnTicket
from application.tickets.config import TicketsConfig
from application.tickets.customers import CustomerReach
from application.tickets.get_ticket import GetTicket
from application.tickets.lead_tickets import LeadTickets
from application.tickets.list_tickets import ListTickets
from application.tickets.open_ticket import OpenTicket
from application.tickets.prepare_staff_topics import PrepareStaffTopics
from application.tickets.relay_to_landbot import RelayToLandbot
from application.tickets.update_ticket import UpdateTicket
from entrypoints.settings import LandbotSettings, TicketsSettings


class TicketsProvider(Provider):
    scope = Scope.REQUEST

    settings = from_context(provides=TicketsSettings, scope=Scope.APP)
    landbot = from_context(provides=LandbotSettings, scope=Scope.APP)

    @provide
    def tickets(self, session: AsyncSession, dialect: SqlDialect) -> TicketRepository:
        if dialect.is_postgresql:
            return PostgresTicketRepository(session, dialect)
        return SqlTicketRepository(session, dialect)

    @provide(scope=Scope.APP)
    def config(self, settings: TicketsSettings) -> TicketsConfig:
        return TicketsConfig(settings.names(), timedelta(days=settings.reopen_days))

    @provide(scope=Scope.APP)
    def outbox(self, settings: LandbotSettings, broker: AsyncBroker) -> LandbotOutbox:
        if not settings.api_token:
            return DisabledLandbotOutbox()
        return TaskiqLandbotOutbox(broker)

    @provide(scope=Scope.APP)
    async def messenger(self, settings: LandbotSettings) -> AsyncIterator[LandbotMessenger]:
        if not settings.api_token:
            yield DisabledLandbotMessenger()
            return
        messenger = HttpLandbotMessenger(
            settings.api_token,
            base_url=settings.api_url,
            timeout_seconds=settings.timeout_seconds,
        )
        yield messenger
        await messenger.aclose()

    reach = provide(CustomerReach)
    open_ticket = provide(OpenTicket)
    comment_from_customer = provide(CommentFromCustomer)
    # Leads' tickets are the tickets' own (the seam is leads' TicketIntake).
    lead_tickets = provide(LeadTickets, provides=TicketIntake)
    list_tickets = provide(ListTickets)
    get_ticket = provide(GetTicket)
    update_ticket = provide(UpdateTicket)
    comment_on_ticket = provide(CommentOnTicket)
    close_solved = provide(CloseSolvedTickets)

    @provide
    def relay(self, messenger: LandbotMessenger) -> RelayToLandbot:
        return RelayToLandbot(messenger)  # pausing with asyncio.sleep between attempts

    prepare_staff_topics = provide(PrepareStaffTopics)
