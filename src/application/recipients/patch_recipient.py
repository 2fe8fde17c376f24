from dataclasses import dataclass

from application.policy import Caller, require_scope
from application.ports.clock import Clock
from application.ports.phone_lookup import PhoneLookup
from application.ports.recipients import RecipientRepository
from application.ports.transactions import TransactionManager
from application.recipients.fields import RecipientInput, contact_of, parse_external_id
from application.recipients.get_recipient import not_found
from application.recipients.phone_check import verify_phone
from domain.api_keys import Scope
from domain.errors import FieldErrors
from domain.recipients import Recipient


@dataclass(frozen=True, slots=True)
class PatchRecipientCommand:
    requester: Caller
    external_id: str
    fields: RecipientInput


class PatchRecipient:
    """Change the fields given of an existing recipient (NotFound otherwise); a field
    left out stays, null clears it; `channels` may give one channel only. A changed
    phone is no longer opted out; a phone is checked as PutRecipient checks it. Admins, or
    keys with recipients:write."""

    def __init__(
        self,
        recipients: RecipientRepository,
        lookup: PhoneLookup,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._recipients = recipients
        self._lookup = lookup
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: PatchRecipientCommand) -> Recipient:
        require_scope(cmd.requester, Scope.RECIPIENTS_WRITE)
        errors = FieldErrors()
        external_id = parse_external_id(errors, cmd.external_id)
        errors.raise_if_any()
        current = await self._recipients.get(external_id)
        if current is None:
            raise not_found(cmd.external_id)
        contact = contact_of(cmd.fields, current.contact, errors)
        errors.raise_if_any()
        verified = await verify_phone(self._lookup, current, contact)
        changed = current.change(contact, self._clock.now(), phone_verified=verified)
        await self._recipients.save(changed)
        await self._tx.commit()
        return changed
