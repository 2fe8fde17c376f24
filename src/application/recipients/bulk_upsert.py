import asyncio
import enum
from dataclasses import dataclass

from application.policy import Caller, require_scope
from application.ports.clock import Clock
from application.ports.phone_lookup import PhoneLookup
from application.ports.recipients import RecipientUpserts
from application.recipients.fields import RecipientInput, contact_of, parse_external_id
from application.recipients.phone_check import needs_lookup, verify_phone
from domain.api_keys import Scope
from domain.errors import FieldError, FieldErrors, InvalidInput
from domain.ids import new_ids
from domain.recipients import Contact, ExternalId, Recipient

BULK_MAX = 1000
# Phone lookups in flight at once for one request: a slow or unreachable provider costs
# its timeout per this many numbers, not per number.
LOOKUPS_AT_ONCE = 8


@dataclass(frozen=True, slots=True)
class BulkEntry:
    """One entry; `unreadable` holds what the entrypoint could not read of it at all (a
    number where text goes), which makes it invalid like a bad value does."""

    external_id: str
    fields: RecipientInput
    unreadable: tuple[FieldError, ...] = ()


class Outcome(enum.StrEnum):
    CREATED = "created"
    REPLACED = "replaced"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class EntryResult:
    index: int
    external_id: str
    outcome: Outcome
    recipient: Recipient | None = None
    errors: tuple[FieldError, ...] = ()


class BulkUpsertRecipients:
    """PUT for up to 1,000 recipients in one transaction. Each entry is checked on its
    own: a bad one (or one repeating an earlier entry's external id) is reported by its
    index with every bad field, and the others are stored. Phones are checked as
    PutRecipient checks them, an entry's refused phone being that entry's error. Admins,
    or keys with recipients:write."""

    def __init__(
        self,
        recipients: RecipientUpserts,
        lookup: PhoneLookup,
        clock: Clock,
    ) -> None:
        self._recipients = recipients
        self._lookup = lookup
        self._clock = clock

    async def __call__(self, requester: Caller, entries: list[BulkEntry]) -> list[EntryResult]:
        require_scope(requester, Scope.RECIPIENTS_WRITE)
        if not 1 <= len(entries) <= BULK_MAX:
            raise InvalidInput.field("items", f"must hold 1 to {BULK_MAX} recipients")
        results: list[EntryResult | None] = [None] * len(entries)
        valid: dict[ExternalId, tuple[int, Contact]] = {}
        for i, entry in enumerate(entries):
            if entry.unreadable:
                results[i] = EntryResult(
                    i, entry.external_id, Outcome.INVALID, errors=entry.unreadable
                )
                continue
            errors = FieldErrors()
            external_id = parse_external_id(errors, entry.external_id)
            contact = contact_of(entry.fields, None, errors)
            if external_id is not None and external_id in valid:
                errors.add("external_id", f"repeats the entry at index {valid[external_id][0]}")
            try:
                errors.raise_if_any()
            except InvalidInput as bad:
                results[i] = EntryResult(i, entry.external_id, Outcome.INVALID, errors=bad.errors)
                continue
            valid[external_id] = (i, contact)
        now = self._clock.now()
        found = await self._recipients.get_many(list(valid))
        checked = await self._check_phones(valid, found)
        fresh = iter(new_ids(sum(1 for e in valid if e not in found)))
        stored = []
        for external_id, (i, contact) in valid.items():
            verified = checked.get(external_id, contact.phone is not None)
            if isinstance(verified, InvalidInput):
                results[i] = EntryResult(
                    i, external_id.value, Outcome.INVALID, errors=verified.errors
                )
                continue
            current = found.get(external_id)
            if current is None:
                r = Recipient.new(next(fresh), external_id, contact, now, phone_verified=verified)
            else:
                r = current.change(contact, now, phone_verified=verified)
            stored.append(r)
            outcome = Outcome.CREATED if current is None else Outcome.REPLACED
            results[i] = EntryResult(i, external_id.value, outcome, r)
        await self._recipients.save_many(stored)
        return [r for r in results if r is not None]

    async def _check_phones(
        self, valid: dict[ExternalId, tuple[int, Contact]], found: dict[ExternalId, Recipient]
    ) -> dict[ExternalId, bool | InvalidInput]:
        """verify_phone's answer for each entry whose phone needs a lookup, a few at once."""
        pending = iter(
            (external_id, found.get(external_id), contact)
            for external_id, (_, contact) in valid.items()
            if needs_lookup(found.get(external_id), contact)
        )
        answers: dict[ExternalId, bool | InvalidInput] = {}

        async def worker() -> None:
            for external_id, current, contact in pending:  # shared: each entry once
                try:
                    answers[external_id] = await verify_phone(self._lookup, current, contact)
                except InvalidInput as refused:
                    answers[external_id] = refused

        await asyncio.gather(*(worker() for _ in range(LOOKUPS_AT_ONCE)))
        return answers
