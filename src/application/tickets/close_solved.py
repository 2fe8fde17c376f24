from application.ports.clock import Clock
from application.ports.tickets import TicketRepository
from application.ports.transactions import TransactionManager
from application.tickets.config import TicketsConfig
from domain.tickets import EventKind, TicketEvent, new_event_id

TICKETS_PER_RUN = 500


class CloseSolvedTickets:
    """The auto-close, a scheduled task: every ticket solved longer ago than
    HERALD_TICKET_REOPEN_DAYS becomes closed (a customer's reply can no longer reopen
    it), with a timeline entry by Herald itself (no author). Up to 500 a run, in one
    transaction; answers how many were closed."""

    def __init__(
        self,
        tickets: TicketRepository,
        clock: Clock,
        tx: TransactionManager,
        config: TicketsConfig,
    ) -> None:
        self._tickets = tickets
        self._clock = clock
        self._tx = tx
        self._window = config.reopen_window

    async def __call__(self) -> int:
        now = self._clock.now()
        closed = 0
        for ticket in await self._tickets.solved_before(now - self._window, TICKETS_PER_RUN):
            changed = ticket.close_if_expired(now, self._window)
            if changed is None or not await self._tickets.update(changed, ticket.updated_at):
                continue  # a reply reopened it meanwhile
            await self._tickets.add_event(
                TicketEvent(
                    new_event_id(),
                    ticket.id,
                    EventKind.STATUS,
                    None,
                    now,
                    old=ticket.status,
                    new=changed.status,
                )
            )
            closed += 1
        await self._tx.commit()
        return closed
