"""Finding a fan-out by id, for the use cases that read or cancel one."""

from uuid import UUID

from application.ports.fanouts import FanoutRepository
from domain.errors import NotFound
from domain.fanouts import Fanout


async def find_fanout(fanouts: FanoutRepository, fanout_id: UUID) -> Fanout:
    found = await fanouts.get(fanout_id)
    if found is None:
        raise NotFound(f"no fan-out with id {fanout_id}")
    return found
