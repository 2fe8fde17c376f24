"""Bindings of messaging: its repositories on the request's session, and its use cases."""

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.dialect import SqlDialect
from adapters.sql.messaging import SqlProfileRepository, SqlUserDirectory
from application.messaging.list_users import ListUsers
from application.messaging.update_profile import UpdateProfile
from application.ports.messaging import ProfileRepository, UserDirectory


class MessagingProvider(Provider):
    scope = Scope.REQUEST

    @provide
    def directory(self, session: AsyncSession) -> UserDirectory:
        return SqlUserDirectory(session)

    @provide
    def profiles(self, session: AsyncSession, dialect: SqlDialect) -> ProfileRepository:
        return SqlProfileRepository(session, dialect)

    update_profile = provide(UpdateProfile)
    list_users = provide(ListUsers)
