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
        blocked = await self._relationships.blocked_between(sender, recipient)
        restricted = False
        if not blocked:
            profile = await self._profiles.get(recipient)
            if profile is not None and profile.contacts_only:
                status = await self._relationships.contact_status(sender, recipient)
                restricted = status is not ContactStatus.CONTACT
        require_may_message(blocked, restricted)
