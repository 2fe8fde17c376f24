from collections.abc import Sequence
from uuid import UUID

from application.ports.messaging import EventLog, MessageRepository
from application.ports.transactions import TransactionManager
from domain.messaging import LiveEvent, Message


class UnitOfWorkMessagePosts:
    """`MessagePosts` as the unit of work's statements: the message and its receipts,
    the live event, the commit. (On PostgreSQL, `PostgresMessagePosts` makes them one
    statement.)"""

    def __init__(self, messages: MessageRepository, log: EventLog, tx: TransactionManager) -> None:
        self._messages = messages
        self._log = log
        self._tx = tx

    async def post(self, message: Message, recipients: Sequence[UUID], event: LiveEvent) -> bool:
        if not await self._messages.add(message, recipients):
            await self._tx.rollback()
            return False
        await self._log.add(event)
        await self._tx.commit()
        return True
