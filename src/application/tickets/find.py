"""Finding a ticket by number, for the use cases that read or change one."""

from application.ports.tickets import TicketRepository
from domain.errors import Conflict, NotFound
from domain.tickets import Ticket

NUMBER_MAX = 2**31 - 1  # the column's range


async def find_ticket(tickets: TicketRepository, number: int) -> Ticket:
    """The ticket, or NotFound (a number no ticket can have included)."""
    found = await tickets.get(number) if 1 <= number <= NUMBER_MAX else None
    if found is None:
        raise NotFound(f"no ticket #{number}")
    return found


async def store_change(tickets: TicketRepository, changed: Ticket, read: Ticket) -> None:
    """Store `changed`, made from `read`; Conflict when someone changed the ticket since
    it was read (two agents at once): the caller reads it again and decides anew."""
    if not await tickets.update(changed, read.updated_at):
        raise Conflict(f"ticket #{read.number} changed meanwhile: read it again and retry")
