from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.recipients import ExternalId, Recipient


class RecipientReader(Protocol):
    """Reads for use cases that address recipients without changing them. On PostgreSQL
    they see committed rows only, outside the request's unit of work (one round trip)."""

    async def get(self, external_id: ExternalId) -> Recipient | None: ...

    async def get_by_user(self, user_id: UUID) -> Recipient | None: ...


class RecipientRepository(RecipientReader, Protocol):
    async def get_by_id(self, recipient_id: UUID) -> Recipient | None: ...

    async def get_many(self, external_ids: Sequence[ExternalId]) -> dict[ExternalId, Recipient]:
        """The recipients of those external ids that exist."""
        ...

    async def save(self, recipient: Recipient) -> None:
        """Insert, or replace the recipient with the same id. Conflict if another
        recipient holds its external id or its user."""
        ...

    async def save_many(self, recipients: Sequence[Recipient]) -> None:
        """`save` for each, in as few statements as the database allows; their external
        ids are distinct."""
        ...

    async def delete(self, recipient_id: UUID) -> None: ...

    async def search(self, q: str | None, *, after: UUID | None, limit: int) -> list[Recipient]:
        """Up to `limit` recipients in the order they were made, after the one with id
        `after`; with `q`, those whose name (any case), email (any case), phone or
        external id starts with it."""
        ...


class NotificationRedactor(Protocol):
    """The notification history's side of erasing a person."""

    async def redact_notifications_of(self, recipient_id: UUID, now: datetime) -> int:
        """Remove the address, title, text, errors and history details of every
        notification to the recipient `recipient_id`, cancel those not sent yet, and keep
        ids, statuses and history times; the number of notifications redacted."""
        ...


class RecipientUpserts(Protocol):
    """What PUT and bulk store recipients with: reads of committed recipients, and saves
    that are each a transaction of their own (committed when they return; on Conflict
    nothing of them is stored). For use cases whose whole write is one save: on PostgreSQL
    each call is one statement outside the unit of work."""

    async def get(self, external_id: ExternalId) -> Recipient | None: ...

    async def get_many(self, external_ids: Sequence[ExternalId]) -> dict[ExternalId, Recipient]:
        """The recipients of those external ids that exist."""
        ...

    async def save(self, recipient: Recipient) -> None:
        """RecipientRepository.save, committed."""
        ...

    async def save_many(self, recipients: Sequence[Recipient]) -> None:
        """RecipientRepository.save_many, committed: all of them or, on Conflict, none."""
        ...
