from application.policy import Caller, require_scope
from application.ports.recipients import RecipientRepository
from application.recipients.fields import parse_external_id
from domain.api_keys import Scope
from domain.errors import FieldErrors, NotFound
from domain.recipients import Recipient


def not_found(external_id: str) -> NotFound:
    return NotFound(f"no recipient with external id {external_id!r}")


class GetRecipient:
    """The recipient of an external id (NotFound if none, or erased). Admins, or keys with
    recipients:read."""

    def __init__(self, recipients: RecipientRepository) -> None:
        self._recipients = recipients

    async def __call__(self, requester: Caller, external_id: str) -> Recipient:
        require_scope(requester, Scope.RECIPIENTS_READ)
        return await find_recipient(self._recipients, external_id)


async def find_recipient(recipients: RecipientRepository, external_id: str) -> Recipient:
    """The recipient of `external_id`: InvalidInput for a bad one, NotFound for none."""
    errors = FieldErrors()
    parsed = parse_external_id(errors, external_id)
    errors.raise_if_any()
    found = await recipients.get(parsed)
    if found is None:
        raise not_found(external_id)
    return found
