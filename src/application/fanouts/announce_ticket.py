import logging
from collections.abc import Awaitable, Callable

from application.fanouts.queue_expansion import QueueExpansion
from application.fanouts.trigger_topic import Triggered, TriggerTopic, TriggerTopicCommand
from application.policy import herald_service
from application.ports.clock import Clock
from application.ports.topics import TopicRepository
from domain.errors import DomainError, NotFound
from domain.tickets import TicketOpened, staff_topic

log = logging.getLogger("herald.fanouts")

TICKETS_SERVICE = herald_service("tickets")


class AnnounceTicket:
    """The handler of tickets' `TicketOpened`: a fan-out to each of its staff topics
    (`tickets.<topic>`, and `tickets.urgent` for an urgent ticket), made as
    self-service topics when missing so that agents subscribe themselves
    (`PUT /me/topics/{key}`). An urgent ticket's fan-outs ignore quiet hours. Each
    trigger is an ordinary fan-out, with its statuses and history; one that cannot be
    made (every channel turned off) is logged, and the ticket stays opened."""

    def __init__(
        self,
        topics: TopicRepository,
        clock: Clock,
        trigger: Callable[[], Awaitable[TriggerTopic]],
        queue: QueueExpansion,
    ) -> None:
        self._topics = topics
        self._clock = clock
        self._trigger = trigger  # made on first use: most units of work never need it
        self._queue = queue

    async def __call__(self, event: TicketOpened) -> None:
        trigger = await self._trigger()
        for key in event.topics:
            cmd = TriggerTopicCommand(
                requester=TICKETS_SERVICE,
                key=key,
                title=f"Ticket #{event.number}",
                text=event.text,
                urgent=event.priority == "urgent",
            )
            try:
                triggered = await self._triggered(trigger, cmd)
            except DomainError as refused:
                log.warning(
                    "the staff of %s were not told of ticket #%d: %s", key, event.number, refused
                )
                continue
            await self._queue(triggered.fanout)

    async def _triggered(self, trigger: TriggerTopic, cmd: TriggerTopicCommand) -> Triggered:
        """The trigger, the topic made first if the trigger found none (made at start by
        PrepareStaffTopics: missing only if deleted since, or new); looked up only then."""
        try:
            return await trigger(cmd)
        except NotFound:
            if await self._topics.get(cmd.key) is not None:
                raise  # something else is missing: the topic is not to be remade
            await self._topics.save(staff_topic(cmd.key, self._clock.now()))
            return await trigger(cmd)
