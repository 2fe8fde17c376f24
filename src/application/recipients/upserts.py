"""Upserts in the unit of work: where no adapter writes outside it (SQLite, the fakes),
a save commits, or rolls back on Conflict, the repository's transaction."""

from collections.abc import Sequence

from application.ports.recipients import RecipientRepository
from application.ports.transactions import TransactionManager
from domain.errors import Conflict
from domain.recipients import ExternalId, Recipient


class UnitOfWorkUpserts:
    def __init__(self, recipients: RecipientRepository, tx: TransactionManager) -> None:
        self._recipients = recipients
        self._tx = tx

    async def get(self, external_id: ExternalId) -> Recipient | None:
        return await self._recipients.get(external_id)

    async def get_many(self, external_ids: Sequence[ExternalId]) -> dict[ExternalId, Recipient]:
        return await self._recipients.get_many(external_ids)

    async def save(self, recipient: Recipient) -> None:
        await self.save_many([recipient])

    async def save_many(self, recipients: Sequence[Recipient]) -> None:
        try:
            await self._recipients.save_many(recipients)
        except Conflict:
            await self._tx.rollback()
            raise
        await self._tx.commit()
