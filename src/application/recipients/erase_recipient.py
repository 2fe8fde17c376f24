from application.ports.clock import Clock
from application.ports.recipients import NotificationRedactor, RecipientRepository
from application.ports.transactions import TransactionManager
from application.recipients.get_recipient import GetRecipient
from domain.accounts import User


class EraseRecipient:
    """Erase a person: their recipient goes (name, email, phone and the rest; the external
    id answers NotFound afterwards), and the notifications sent to them keep ids, statuses
    and history times only: address, title, text, errors and history details are removed,
    and those not yet sent are canceled. One transaction. Answers how many notifications
    were redacted. Admins only. Notifications are found by the recipient they went to,
    so a recipient without an account has theirs redacted too."""

    def __init__(
        self,
        get: GetRecipient,
        recipients: RecipientRepository,
        notifications: NotificationRedactor,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._get = get
        self._recipients = recipients
        self._notifications = notifications
        self._clock = clock
        self._tx = tx

    async def __call__(self, requester: User, external_id: str) -> int:
        found = await self._get(requester, external_id)
        redacted = await self._notifications.redact_notifications_of(found.id, self._clock.now())
        await self._recipients.delete(found.id)
        await self._tx.commit()
        return redacted
