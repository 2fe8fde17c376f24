from datetime import timedelta

from application.events import DomainEvents
from application.messaging.config import MessagingConfig
from application.ports.clock import Clock
from application.ports.messaging import UnreadNotices
from application.ports.transactions import TransactionManager
from domain.messaging import MessagesWaiting

NOTICES_PER_RUN = 500


class NotifyUnread:
    """The offline fallback, run every minute: a member with messages of a conversation
    still unread `HERALD_MESSAGES_NOTIFY_AFTER_SECONDS` after they were sent is told
    once ("3 new messages from ann", through the notification engine, on their own
    channels: the `MessagesWaiting` event), and not again for that conversation within
    the same window however many more arrive. Reading first cancels it: read messages
    are never counted. Answers how many were told."""

    def __init__(
        self,
        notices: UnreadNotices,
        events: DomainEvents,
        clock: Clock,
        tx: TransactionManager,
        config: MessagingConfig,
    ) -> None:
        self._notices = notices
        self._events = events
        self._clock = clock
        self._tx = tx
        self._after = config.notify_after

    async def __call__(self) -> int:
        now = self._clock.now()
        cutoff = now - self._after
        due = await self._notices.due(cutoff, cutoff, NOTICES_PER_RUN)
        window = int(self._after / timedelta(seconds=1)) or 1
        for group in due:
            await self._notices.told(group, now)
            key = f"messages:{group.conversation_id}:{int(now.timestamp()) // window}"
            await self._events.record(
                MessagesWaiting(
                    group.user_id, group.conversation_id, group.count, group.senders, key
                )
            )
        await self._tx.commit()
        return len(due)
