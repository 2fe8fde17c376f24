"""Bindings of recipients, and their reaction to new accounts."""

from dishka import Provider, Scope, decorate, provide

from adapters.sql.recipients import SqlRecipientRepository
from application.events import DomainEvents
from application.ports.recipients import RecipientRepository
from application.recipients.create_user_recipient import CreateUserRecipient
from domain.accounts import AccountCreated


class RecipientsProvider(Provider):
    scope = Scope.REQUEST

    recipients = provide(SqlRecipientRepository, provides=RecipientRepository)
    create_user_recipient = provide(CreateUserRecipient)

    @decorate
    def reactions(self, events: DomainEvents, create: CreateUserRecipient) -> DomainEvents:
        events.subscribe(AccountCreated, create)
        return events
