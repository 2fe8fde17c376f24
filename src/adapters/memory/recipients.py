"""In-memory recipients: for unit tests, held to the same contract suite as SQL."""

from collections.abc import Sequence
from dataclasses import replace
from uuid import UUID

from adapters.memory.transactions import MemoryStore
from domain.errors import Conflict
from domain.recipients import ExternalId, Recipient

TAKEN = "another recipient has this external id or user"


def _matches(r: Recipient, q: str) -> bool:
    c = r.contact
    return (
        (c.name is not None and c.name.casefold().startswith(q.casefold()))
        or (c.email is not None and c.email.value.lower().startswith(q.lower()))
        or (c.phone is not None and c.phone.value.startswith(q))
        or r.external_id.value.startswith(q)
    )


class InMemoryRecipientRepository:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self.rows: dict[UUID, Recipient] = (store or MemoryStore()).dict_table()

    async def get(self, external_id: ExternalId) -> Recipient | None:
        return next((r for r in self.rows.values() if r.external_id == external_id), None)

    async def get_by_id(self, recipient_id: UUID) -> Recipient | None:
        return self.rows.get(recipient_id)

    async def get_by_user(self, user_id: UUID) -> Recipient | None:
        return next((r for r in self.rows.values() if r.user_id == user_id), None)

    async def get_many(self, external_ids: Sequence[ExternalId]) -> dict[ExternalId, Recipient]:
        wanted = set(external_ids)
        return {r.external_id: r for r in self.rows.values() if r.external_id in wanted}

    async def save(self, recipient: Recipient) -> None:
        await self.save_many([recipient])

    async def save_many(self, recipients: Sequence[Recipient]) -> None:
        for r in recipients:
            for other in self.rows.values():
                if other.id != r.id and (
                    other.external_id == r.external_id
                    or (r.user_id is not None and other.user_id == r.user_id)
                ):
                    raise Conflict(TAKEN)
        for r in recipients:
            kept = self.rows.get(r.id)
            self.rows[r.id] = r if kept is None else replace(r, created_at=kept.created_at)

    async def delete(self, recipient_id: UUID) -> None:
        self.rows.pop(recipient_id, None)

    async def search(self, q: str | None, *, after: UUID | None, limit: int) -> list[Recipient]:
        found = sorted(
            (r for r in self.rows.values() if (after is None or r.id > after)),
            key=lambda r: r.id,
        )
        return [r for r in found if not q or _matches(r, q)][:limit]
