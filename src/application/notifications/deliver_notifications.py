import asyncio
import logging
from collections.abc import Sequence
from uuid import UUID

from application.events import DomainEvents
from application.notifications.config import DeliveryConfig
from application.ports.clock import Clock
from application.ports.notifications import (
    AttemptOutcome,
    DeliveryError,
    DeliveryMetrics,
    DeliveryOutcome,
    DeliveryRepository,
    EmailMessage,
    EmailSender,
    PermanentDeliveryError,
    RecipientOptedOut,
    SchedulerWakeup,
    SendReceipt,
    SmsMessage,
    SmsSender,
    TransientDeliveryError,
)
from application.ports.randomness import Jitter
from application.ports.transactions import TransactionManager
from domain.notifications import Notification, Status
from domain.preferences import Channel, PhoneOptedOut

log = logging.getLogger("herald.delivery")
DEFAULT_SUBJECT = "Notification"


class DeliverNotifications:
    """Send a batch of queued notifications through their channel's provider.

    Rules: each row is claimed with a conditional update (queued -> sending, attempt + 1)
    and the claim is committed before anything is sent, so running this twice for the
    same ids sends nothing twice. Then: accepted -> sent with the provider's message id;
    a timeout, 429 or 5xx -> scheduled again after exponential backoff with jitter (at
    least the provider's Retry-After) until the attempts run out -> failed; a permanent
    refusal -> failed at once with the provider's code and message. A recipient who opted
    out with the carrier (RecipientOptedOut) also fails at once, and PhoneOptedOut is
    recorded for an SMS, in the same commit as the outcome. Every attempt, provider error and
    acceptance (with how late it came) is reported to the metrics, and each notification
    that ends sent or failed once that is committed.
    """

    def __init__(
        self,
        deliveries: DeliveryRepository,
        events: DomainEvents,
        sms: SmsSender,
        email: EmailSender,
        wakeup: SchedulerWakeup,
        config: DeliveryConfig,
        clock: Clock,
        tx: TransactionManager,
        metrics: DeliveryMetrics,
        jitter: Jitter,
    ) -> None:
        self._deliveries = deliveries
        self._events = events
        self._sms = sms
        self._email = email
        self._wakeup = wakeup
        self._config = config
        self._clock = clock
        self._tx = tx
        self._metrics = metrics
        self._jitter = jitter

    async def __call__(self, ids: Sequence[UUID]) -> list[DeliveryOutcome]:
        now = self._clock.now()
        claimed = await self._deliveries.claim_for_sending(ids, now, now + self._config.lease)
        await self._tx.commit()
        if not claimed:
            return []
        opted_out: list[Notification] = []
        outcomes = list(await asyncio.gather(*(self._attempt(n, opted_out) for n in claimed)))
        await self._deliveries.record_outcomes(outcomes, self._clock.now())
        for n in opted_out:
            await self._events.record(PhoneOptedOut(n.user_id, n.to, n.recipient_id))
        await self._tx.commit()
        for n, outcome in zip(claimed, outcomes, strict=True):
            if outcome.status is not Status.SCHEDULED:
                self._metrics.delivery_ended(n.channel, outcome.status)
        retries = [o.due_at for o in outcomes if o.due_at is not None]
        if retries:
            await self._wakeup.notify(min(retries))
        return outcomes

    async def _attempt(self, n: Notification, opted_out: list[Notification]) -> DeliveryOutcome:
        try:
            receipt = await self._send(n)
        except RecipientOptedOut as exc:
            self._provider_failed(n, exc, AttemptOutcome.REFUSED)
            if n.channel is Channel.SMS:
                opted_out.append(n)
            return self._failed(n, exc.code, f"recipient opted out: {exc.message}")
        except PermanentDeliveryError as exc:
            self._provider_failed(n, exc, AttemptOutcome.REFUSED)
            return self._failed(n, exc.code, exc.message)
        except TransientDeliveryError as exc:
            self._provider_failed(n, exc, AttemptOutcome.TRANSIENT)
            return self._retry_or_fail(n, exc.code, exc.message, exc.retry_after_seconds)
        except Exception as exc:  # an adapter bug or an unmapped network error: retry, log loudly
            log.exception("unexpected error sending %s", n.id)
            self._metrics.attempt_ended(n.channel, AttemptOutcome.ERROR)
            return self._retry_or_fail(n, None, f"unexpected error: {type(exc).__name__}", None)
        self._metrics.attempt_ended(n.channel, AttemptOutcome.ACCEPTED)
        # Never below 0: due times come from other processes' clocks, maybe a little ahead.
        late = (self._clock.now() - n.due_at).total_seconds()
        self._metrics.accepted_late(n.channel, max(0.0, late))
        return DeliveryOutcome(
            n.id,
            Status.SENT,
            f"accepted by {receipt.provider} as {receipt.provider_message_id}",
            provider=receipt.provider,
            provider_message_id=receipt.provider_message_id,
        )

    def _provider_failed(
        self, n: Notification, exc: DeliveryError, outcome: AttemptOutcome
    ) -> None:
        self._metrics.attempt_ended(n.channel, outcome)
        sender = self._sms if n.channel is Channel.SMS else self._email
        self._metrics.provider_failed(sender.provider, exc.code)

    async def _send(self, n: Notification) -> SendReceipt:
        if n.channel is Channel.SMS:
            return await self._sms.send(SmsMessage(to=n.to, body=n.sms_body, reference=str(n.id)))
        subject = n.title or DEFAULT_SUBJECT
        return await self._email.send(EmailMessage(n.to, subject, n.text, str(n.id), n.html))

    def _failed(self, n: Notification, code: str | None, message: str) -> DeliveryOutcome:
        detail = f"attempt {n.attempts} refused" + (f" ({code})" if code else "") + f": {message}"
        return DeliveryOutcome(n.id, Status.FAILED, detail, error_code=code, error=message)

    def _retry_or_fail(
        self, n: Notification, code: str | None, message: str, retry_after: float | None
    ) -> DeliveryOutcome:
        delay = self._config.retry.next_delay(n.attempts, self._jitter, retry_after)
        if delay is None:
            detail = f"gave up after {n.attempts} attempts: {message}"
            return DeliveryOutcome(n.id, Status.FAILED, detail, error_code=code, error=message)
        due = self._clock.now() + delay
        detail = f"attempt {n.attempts} failed ({message}); retry at {due.isoformat()}"
        return DeliveryOutcome(
            n.id, Status.SCHEDULED, detail, due_at=due, error_code=code, error=message
        )
