"""Bindings of leads: the repositories in the request's unit of work, the welcome emails
written to the engine's outbox there, Landbot's token check, the queue (Taskiq) that
hands a stored message to a worker, the seam to tickets, the use cases."""

from datetime import timedelta

from dishka import Provider, Scope, from_context, provide
from sqlalchemy.ext.asyncio import AsyncSession
from taskiq import AsyncBroker

from adapters.landbot.leads import LandbotWebhookAuth
from adapters.sql.dialect import SqlDialect
from adapters.sql.direct_pool import DirectPool
from adapters.sql.leads import SqlLandbotInbox, SqlLeadRepository, SqlWelcomeEmails
from adapters.sql.leads_postgres import PostgresLandbotInbox
from adapters.taskiq.leads import TaskiqLeadQueue
from application.leads.config import LeadRules
from application.leads.forget_messages import ForgetLandbotMessages
from application.leads.get_lead import GetLead
from application.leads.handle_message import HandleLandbotMessage
from application.leads.intake import LeadIntake
from application.leads.list_leads import ListLeads
from application.leads.receive_messages import ReceiveLandbotMessages
from application.leads.record_lead import RecordLead
from application.leads.requeue_messages import RequeueLandbotMessages
from application.leads.welcome import LeadWelcome
from application.ports.leads import (
    LandbotInbox,
    LeadQueue,
    LeadRepository,
    WelcomeEmails,
)
from entrypoints.settings import LeadsSettings


class LeadsProvider(Provider):
    scope = Scope.REQUEST

    settings = from_context(provides=LeadsSettings, scope=Scope.APP)

    @provide
    def leads(self, session: AsyncSession, dialect: SqlDialect) -> LeadRepository:
        return SqlLeadRepository(session, dialect)

    @provide
    def inbox(
        self, session: AsyncSession, dialect: SqlDialect, reads: DirectPool | None
    ) -> LandbotInbox:
        # The direct pool is open exactly on PostgreSQL (ioc.infrastructure).
        in_unit_of_work = SqlLandbotInbox(session, dialect)
        if reads is None:
            return in_unit_of_work
        return PostgresLandbotInbox(reads, in_unit_of_work)

    @provide
    def welcome_emails(self, session: AsyncSession) -> WelcomeEmails:
        return SqlWelcomeEmails(session)

    @provide(scope=Scope.APP)
    def queue(self, broker: AsyncBroker) -> LeadQueue:
        return TaskiqLeadQueue(broker)

    @provide(scope=Scope.APP)
    def auth(self, settings: LeadsSettings) -> LandbotWebhookAuth:
        return LandbotWebhookAuth(settings.landbot_webhook_token)

    @provide(scope=Scope.APP)
    def rules(self, settings: LeadsSettings) -> LeadRules:
        return LeadRules(welcome_delay=timedelta(seconds=settings.welcome_delay_seconds))

    intake = provide(LeadIntake)
    welcome = provide(LeadWelcome)
    receive = provide(ReceiveLandbotMessages)
    handle = provide(HandleLandbotMessage)
    record = provide(RecordLead)
    list_leads = provide(ListLeads)
    get_lead = provide(GetLead)
    requeue = provide(RequeueLandbotMessages)
    forget = provide(ForgetLandbotMessages)
