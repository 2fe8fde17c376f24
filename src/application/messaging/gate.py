from uuid import UUID

from application.policy import require_may_message
from application.ports.messaging import ProfileRepository, RelationshipRepository, SendRateLimiter
from domain.errors import RateLimited
from domain.messaging import ContactStatus


class SendGate:
    """Who may send now: a per-user rate limit on every send, and for direct messages
    the recipient's blocks and contacts-only choice (`require_may_message`)."""

    def __init__(
        self,
        limiter: SendRateLimiter,
        relationships: RelationshipRepository,
        profiles: ProfileRepository,
    ) -> None:
        self._limiter = limiter
        self._relationships = relationships
        self._profiles = profiles

    async def pace(self, sender: UUID) -> None:
        """RateLimited, with when to try again, past the sender's rate."""
        wait = await self._limiter.hit(f"send:{sender.hex}")
        if wait is not None:
            raise RateLimited(f"too many messages; try again in {wait} seconds", wait)

    async def direct(self, sender: UUID, recipient: UUID) -> None:
        require_may_message(
            *await direct_refusals(self._relationships, self._profiles, sender, recipient)
        )


async def direct_refusals(
    relationships: RelationshipRepository,
    profiles: ProfileRepository,
    sender: UUID,
    recipient: UUID,
) -> tuple[bool, bool]:
    """(blocked, restricted) for a direct message: one of the two blocked the other; the
    recipient takes contacts only and the sender is not one."""
    blocked = await relationships.blocked_between(sender, recipient)
    restricted = False
    profile = await profiles.get(recipient)
    if profile is not None and profile.contacts_only:
        status = await relationships.contact_status(sender, recipient)
        restricted = status is not ContactStatus.CONTACT
    return blocked, restricted
