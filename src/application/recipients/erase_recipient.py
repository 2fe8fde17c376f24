from application.policy import Caller, require_scope
from application.ports.clock import Clock
from application.ports.recipients import NotificationRedactor, RecipientRepository
from application.ports.transactions import TransactionManager
from application.recipients.get_recipient import find_recipient
from domain.api_keys import Scope


class EraseRecipient:
    """Erase a person: their recipient goes (name, email, phone and the rest; the external
    id answers NotFound afterwards), and the notifications sent to them keep ids, statuses
    and history times only: address, title, text, errors and history details are removed,
    and those not yet sent are canceled. One transaction. Answers how many notifications
    were redacted. Admins, or keys with recipients:write. Notifications are found by the
    recipient they went to, so a recipient without an account has theirs redacted too."""

    def __init__(
        self,
        recipients: RecipientRepository,
        notifications: NotificationRedactor,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._recipients = recipients
        self._notifications = notifications
        self._clock = clock
        self._tx = tx

    async def __call__(self, requester: Caller, external_id: str) -> int:
        require_scope(requester, Scope.RECIPIENTS_WRITE)
        found = await find_recipient(self._recipients, external_id)
        redacted = await self._notifications.redact_notifications_of(found.id, self._clock.now())
        await self._recipients.delete(found.id)
        await self._tx.commit()
        return redacted
