from dataclasses import dataclass
from datetime import datetime

from application.policy import Caller, require_scope
from application.ports.clock import Clock
from application.ports.phone_lookup import PhoneLookup
from application.ports.recipients import RecipientUpserts
from application.recipients.fields import RecipientInput, contact_of, parse_external_id
from application.recipients.phone_check import verify_phone
from domain.api_keys import Scope
from domain.errors import Conflict, FieldErrors
from domain.ids import new_id
from domain.recipients import Contact, Recipient


@dataclass(frozen=True, slots=True)
class PutRecipientCommand:
    requester: Caller
    external_id: str
    fields: RecipientInput


@dataclass(frozen=True, slots=True)
class PutResult:
    recipient: Recipient
    created: bool


class PutRecipient:
    """Create the recipient of an external id, or replace what is set on it (a PUT: a
    field left out takes its default; a channel left out is on when its address is
    given). Idempotent: the same request again changes nothing but `updated_at`, and of
    two concurrent PUTs creating one recipient the second replaces what the first made. The id,
    `created_at`, the account link and the opt-out of an unchanged phone stay. A phone is
    looked up as `verify_phone` says (a new, unverified or newly texted number): invalid,
    or unable to take SMS with the sms channel on, is InvalidInput naming `phone`; the
    provider unreachable leaves it unverified. Admins,
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

    async def __call__(self, cmd: PutRecipientCommand) -> PutResult:
        require_scope(cmd.requester, Scope.RECIPIENTS_WRITE)
        errors = FieldErrors()
        external_id = parse_external_id(errors, cmd.external_id)
        contact = contact_of(cmd.fields, None, errors)
        errors.raise_if_any()
        now = self._clock.now()
        current = await self._recipients.get(external_id)
        if current is not None:
            return await self._replace(current, contact, now)
        verified = await verify_phone(self._lookup, None, contact)
        try:
            made = Recipient.new(new_id(), external_id, contact, now, phone_verified=verified)
            await self._recipients.save(made)
        except Conflict:  # a concurrent PUT made it first: replace what it made
            current = await self._recipients.get(external_id)
            if current is None:
                raise
            return await self._replace(current, contact, now)
        return PutResult(made, created=True)

    async def _replace(self, current: Recipient, contact: Contact, now: datetime) -> PutResult:
        verified = await verify_phone(self._lookup, current, contact)
        changed = current.change(contact, now, phone_verified=verified)
        await self._recipients.save(changed)
        return PutResult(changed, created=False)
