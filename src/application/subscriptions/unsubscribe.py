from uuid import UUID

from application.policy import Caller, open_subscription
from application.ports.clock import Clock
from application.ports.recipients import RecipientRepository
from application.ports.subscriptions import SubscriptionRepository
from application.subscriptions.moves import SubscriptionMoves
from application.subscriptions.texts import SubscriptionTexts
from domain.errors import Conflict
from domain.subscriptions import MessageKind, Status, Subscription


class Unsubscribe:
    """End a pending or active subscription by API (DELETE): `unsubscribed`, its updates
    not yet sent canceled, and the unsubscribe confirmation texted ("You will get no
    more messages. Reply START to resubscribe."). For whoever may open it; a
    subscription already ended is a Conflict."""

    def __init__(
        self,
        subscriptions: SubscriptionRepository,
        recipients: RecipientRepository,
        moves: SubscriptionMoves,
        texts: SubscriptionTexts,
        clock: Clock,
    ) -> None:
        self._subscriptions = subscriptions
        self._recipients = recipients
        self._moves = moves
        self._texts = texts
        self._clock = clock

    async def __call__(self, requester: Caller, subscription_id: UUID) -> Subscription:
        found = await self._subscriptions.get(subscription_id)
        s = open_subscription(requester, found, subscription_id)
        if not s.status.is_live:
            raise Conflict(f"the subscription is already {s.status}")
        now = self._clock.now()
        ended = await self._moves.end(s, Status.UNSUBSCRIBED, now, "unsubscribed through the API")
        recipient = await self._recipients.get_by_id(s.recipient_id)
        await self._texts.send(ended, recipient, MessageKind.UNSUBSCRIBED, now)
        await self._texts.commit()
        return ended
