from application.ports.subscriptions import InboundMessages, InboundQueue
from domain.subscriptions import InboundSms


class ReceiveSms:
    """Take an SMS a phone sent (Twilio's inbound webhook, or the dev phone): store it
    durably, once per MessageSid, and hand it to a worker, which classifies it and acts;
    nothing slow happens here, so the provider gets its answer at once. A retry of a
    message stored but not yet processed is handed over again (the worker acts once:
    `InboundMessages.claim`). Returns False for a message stored already."""

    def __init__(self, inbound: InboundMessages, queue: InboundQueue) -> None:
        self._inbound = inbound
        self._queue = queue

    async def __call__(self, message: InboundSms) -> bool:
        first = await self._inbound.record(message)
        if not first:
            stored = await self._inbound.get(message.message_sid)
            if stored is not None and stored.processed_at is not None:
                return False
        await self._queue.enqueue(message.message_sid)
        return first
