"""Finding a ticket by number, for the use cases that read or change one."""

from application.ports.tickets import TicketRepository
from domain.errors import NotFound
from domain.tickets import Ticket

NUMBER_MAX = 2**31 - 1  # the column's range


async def find_ticket(tickets: TicketRepository, number: int) -> Ticket:
    """The ticket, or NotFound (a number no ticket can have included)."""
    found = await tickets.get(number) if 1 <= number <= NUMBER_MAX else None
    if found is None:
        raise NotFound(f"no ticket #{number}")
    return found
