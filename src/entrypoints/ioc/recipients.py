"""Bindings of recipients, and their reaction to new accounts."""

from dishka import Provider, Scope, decorate, provide

from adapters.sql.direct_pool import DirectPool
from adapters.sql.recipients import SqlRecipientRepository
from adapters.sql.recipients_postgres import PostgresRecipientReader, PostgresRecipientUpserts
from application.events import DomainEvents
from application.ports.recipients import RecipientReader, RecipientRepository, RecipientUpserts
from application.ports.transactions import TransactionManager
from application.recipients.bulk_upsert import BulkUpsertRecipients
from application.recipients.create_user_recipient import CreateUserRecipient
from application.recipients.erase_recipient import EraseRecipient
from application.recipients.get_recipient import GetRecipient
from application.recipients.list_recipients import ListRecipients
from application.recipients.patch_recipient import PatchRecipient
from application.recipients.put_recipient import PutRecipient
from application.recipients.upserts import UnitOfWorkUpserts
from domain.accounts import AccountCreated


class RecipientsProvider(Provider):
    scope = Scope.REQUEST

    recipients = provide(SqlRecipientRepository, provides=RecipientRepository)

    @provide
    def reader(self, reads: DirectPool | None, recipients: RecipientRepository) -> RecipientReader:
        # The direct pool is open exactly on PostgreSQL (ioc.infrastructure).
        return recipients if reads is None else PostgresRecipientReader(reads)

    create_user_recipient = provide(CreateUserRecipient)
    put_recipient = provide(PutRecipient)
    patch_recipient = provide(PatchRecipient)
    get_recipient = provide(GetRecipient)
    erase_recipient = provide(EraseRecipient)
    list_recipients = provide(ListRecipients)
    bulk_upsert = provide(BulkUpsertRecipients)

    @provide
    def upserts(
        self, pool: DirectPool | None, recipients: RecipientRepository, tx: TransactionManager
    ) -> RecipientUpserts:
        # The direct pool is open exactly on PostgreSQL (ioc.infrastructure).
        if pool is not None:
            return PostgresRecipientUpserts(pool)
        return UnitOfWorkUpserts(recipients, tx)

    @decorate
    def reactions(self, events: DomainEvents, create: CreateUserRecipient) -> DomainEvents:
        events.subscribe(AccountCreated, create)
        return events
