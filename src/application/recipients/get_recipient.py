from application.policy import require_recipients
from application.ports.recipients import RecipientRepository
from application.recipients.fields import parse_external_id
from domain.accounts import User
from domain.errors import FieldErrors, NotFound
from domain.recipients import Recipient


def not_found(external_id: str) -> NotFound:
    return NotFound(f"no recipient with external id {external_id!r}")


class GetRecipient:
    """The recipient of an external id (NotFound if none, or erased). Admins only."""

    def __init__(self, recipients: RecipientRepository) -> None:
        self._recipients = recipients

    async def __call__(self, requester: User, external_id: str) -> Recipient:
        require_recipients(requester, write=False)
        errors = FieldErrors()
        parsed = parse_external_id(errors, external_id)
        errors.raise_if_any()
        found = await self._recipients.get(parsed)
        if found is None:
            raise not_found(external_id)
        return found
