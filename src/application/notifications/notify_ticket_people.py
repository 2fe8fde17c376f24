import logging
from collections.abc import Awaitable, Callable

from application.notifications.schedule_notification import (
    ScheduleNotification,
    ScheduleNotificationCommand,
)
from application.policy import herald_service
from application.ports.accounts import UserRepository
from application.ports.recipients import RecipientRepository
from domain.accounts import Username
from domain.errors import DomainError
from domain.tickets import CustomerReplied, CustomerToldOfTicket, TicketAssigned

log = logging.getLogger("herald.notifications")

TICKETS_SERVICE = herald_service("tickets")


class NotifyTicketAssignee:
    """The handler of tickets' `TicketAssigned` and `CustomerReplied`: one notification
    to the agent, on every channel they have on, as if they had asked for it themselves.
    An agent gone, disabled or with no channel to reach is not notified."""

    def __init__(
        self, users: UserRepository, schedule: Callable[[], Awaitable[ScheduleNotification]]
    ) -> None:
        self._users = users
        self._schedule = schedule

    async def __call__(self, event: TicketAssigned | CustomerReplied) -> None:
        user = await self._users.get_by_username(Username(event.assignee))
        if user is None or user.disabled:
            return
        schedule = await self._schedule()
        cmd = ScheduleNotificationCommand(
            requester=user, title=f"Ticket #{event.number}", text=event.text
        )
        try:
            await schedule(cmd)
        except DomainError as refused:
            log.info("the assignee of ticket #%d was not notified: %s", event.number, refused)


class NotifyTicketRequester:
    """The handler of tickets' `CustomerToldOfTicket`: an email to the ticket's customer
    (their recipient), through the notification engine; the event's key makes it once
    only. A customer without an email address is not notified (logged)."""

    def __init__(
        self,
        recipients: RecipientRepository,
        schedule: Callable[[], Awaitable[ScheduleNotification]],
    ) -> None:
        self._recipients = recipients
        self._schedule = schedule

    async def __call__(self, event: CustomerToldOfTicket) -> None:
        recipient = await self._recipients.get_by_id(event.requester_id)
        if recipient is None:
            return
        schedule = await self._schedule()
        cmd = ScheduleNotificationCommand(
            requester=TICKETS_SERVICE,
            recipient=recipient.external_id.value,
            channels=("email",),
            title=event.title,
            text=event.text,
            idempotency_key=event.key,
        )
        try:
            await schedule(cmd)
        except DomainError as refused:
            log.info("the customer of ticket #%d was not emailed: %s", event.number, refused)
