from dataclasses import dataclass
from datetime import datetime, timedelta

from application.events import DomainEvents
from application.ports.clock import Clock
from application.ports.recipients import RecipientRepository
from application.ports.subscriptions import (
    Classification,
    InboundMessages,
    IntentClassifier,
    SubscriptionRepository,
)
from application.ports.transactions import TransactionManager
from application.subscriptions.config import SubscriptionRules
from application.subscriptions.moves import SubscriptionMoves
from application.subscriptions.subscribe import PHONE_PREFIX
from application.subscriptions.texts import SubscriptionTexts
from domain.preferences import PhoneOptedIn, PhoneOptedOut
from domain.recipients import ExternalId, Recipient
from domain.subscriptions import (
    ConversationMessage,
    Direction,
    InboundSms,
    Intent,
    Keyword,
    MessageKind,
    Status,
    Subscription,
    compliance_keyword,
)

KEYWORD = "keyword"  # the classifier name of a compliance keyword
_KEYWORD_INTENTS = {
    Keyword.STOP: Intent.STOP,
    Keyword.START: Intent.START,
    Keyword.HELP: Intent.HELP,
}
HOUR = timedelta(hours=1)
PENDING_CHOICES = "Reply YES to confirm, HELP for help, STOP to cancel."
ACTIVE_CHOICES = "Reply HELP for help, STOP to cancel."


@dataclass(frozen=True, slots=True)
class Handled:
    """What one inbound message came to (None: processed already, or unknown)."""

    classification: Classification | None
    subscription: Subscription | None
    replied: MessageKind | None


class HandleSms:
    """Act on a stored inbound SMS, once (a second run finds it claimed).

    Compliance keywords first, before any NLU, and never overridden by it (a message that
    is exactly STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE or OPTOUT, any case,
    punctuation trimmed): STOP ends the phone's pending or active subscription, cancels
    its pending updates and records PhoneOptedOut (its recipient's sms_opted_out); Herald
    texts its own unsubscribe confirmation only when the provider does not answer STOP
    itself (`provider_handles_opt_out`). START or UNSTOP (and YES with nothing pending)
    record PhoneOptedIn and bring the phone's latest subscription back to active, its
    updates scheduled. HELP or INFO get the help text.

    Otherwise the intent classifier decides, for a phone with a live subscription:
    `affirm` while pending -> active (and the updates); `deny` while pending ->
    declined; `stop` -> unsubscribed, with Herald's confirmation (no carrier opt-out:
    the phone did not send the keyword); `help` -> the help text; anything else -> a
    re-prompt. Every automatic answer to a reply counts against
    `auto_replies_per_hour` per phone, past which Herald stays silent, so that an
    auto-responder cannot start a loop (a STOP's confirmation is always sent). A message
    from a phone without any subscription is kept and acknowledged; only the keywords
    act on it. Each message joins its subscription's conversation with the intent, the
    confidence and the classifier that read it."""

    def __init__(
        self,
        inbound: InboundMessages,
        subscriptions: SubscriptionRepository,
        recipients: RecipientRepository,
        classifier: IntentClassifier,
        moves: SubscriptionMoves,
        texts: SubscriptionTexts,
        events: DomainEvents,
        rules: SubscriptionRules,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._inbound = inbound
        self._subscriptions = subscriptions
        self._recipients = recipients
        self._classifier = classifier
        self._moves = moves
        self._texts = texts
        self._events = events
        self._rules = rules
        self._clock = clock
        self._tx = tx

    async def __call__(self, message_sid: str) -> Handled:
        message = await self._inbound.get(message_sid)
        if message is None or message.processed_at is not None:
            return Handled(None, None, None)
        # Read before the claim, so that no transaction stays open while a remote
        # classifier answers; a keyword needs no reading.
        guess = None
        if compliance_keyword(message.body, pending=True) is None:
            guess = await self._classifier.classify(message.body)
        now = self._clock.now()
        if not await self._inbound.claim(message_sid, now):
            return Handled(None, None, None)
        phone, program = message.from_phone, self._rules.program
        live = await self._subscriptions.live_for(phone, program)
        if live is not None and live.is_expired(now):
            await self._moves.move(live, Status.EXPIRED, now, "not confirmed in time")
            live = None
        pending = live is not None and live.status is Status.PENDING
        keyword = compliance_keyword(message.body, pending=pending)
        if keyword is not None:
            reading = Classification(_KEYWORD_INTENTS[keyword], 1.0, KEYWORD)
            target = live or await self._subscriptions.latest_for(phone, program)
        elif live is not None:
            assert guess is not None  # read above: not a keyword even while pending
            reading = guess
            target = live
        else:  # no subscription and no keyword: kept, acknowledged, not answered
            await self._tx.commit()
            return Handled(None, None, None)
        recipient = await self._recipient_of(target, phone)
        if target is not None:
            self._note(target, message, reading)
        if keyword is not None:
            handled = await self._keyword(keyword, target, recipient, message, now)
        else:
            assert live is not None
            handled = await self._intent(reading, live, recipient, now)
        await self._texts.commit()
        return Handled(reading, handled[0], handled[1])

    async def _keyword(
        self,
        keyword: Keyword,
        target: Subscription | None,
        recipient: Recipient | None,
        message: InboundSms,
        now: datetime,
    ) -> tuple[Subscription | None, MessageKind | None]:
        phone = message.from_phone
        if keyword is Keyword.STOP:
            if recipient is not None:
                await self._events.record(PhoneOptedOut(recipient.user_id, phone, recipient.id))
            if target is not None and target.status.is_live:
                target = await self._moves.end(target, Status.UNSUBSCRIBED, now, "replied STOP")
            if self._rules.provider_handles_opt_out:
                return target, None  # the provider answered STOP and blocks our texts
            if target is None:
                await self._texts.answer(phone, recipient, MessageKind.UNSUBSCRIBED, now)
            else:
                await self._texts.send(target, recipient, MessageKind.UNSUBSCRIBED, now)
            return target, MessageKind.UNSUBSCRIBED
        if keyword is Keyword.START:
            if recipient is not None:
                await self._events.record(PhoneOptedIn(phone, recipient.id))
            if target is None or target.status is Status.ACTIVE:
                return target, None
            active = await self._moves.activate(target, recipient, now, "replied START")
            return active, await self._reply(active, recipient, MessageKind.CONFIRMED, now)
        if target is None:  # a phone Herald never texted may still ask who it is
            await self._texts.answer(phone, recipient, MessageKind.HELP, now)
            return None, MessageKind.HELP
        return target, await self._reply(target, recipient, MessageKind.HELP, now)

    async def _intent(
        self,
        reading: Classification,
        live: Subscription,
        recipient: Recipient | None,
        now: datetime,
    ) -> tuple[Subscription, MessageKind | None]:
        pending = live.status is Status.PENDING
        said = f"replied {reading.intent} ({reading.classifier})"
        if pending and reading.intent in (Intent.AFFIRM, Intent.START):
            active = await self._moves.activate(live, recipient, now, said)
            return active, await self._reply(active, recipient, MessageKind.CONFIRMED, now)
        if pending and reading.intent is Intent.DENY:
            declined = await self._moves.move(live, Status.DECLINED, now, said)
            return declined, await self._reply(declined, recipient, MessageKind.DECLINED, now)
        if reading.intent is Intent.STOP:
            ended = await self._moves.end(live, Status.UNSUBSCRIBED, now, said)
            # Not the carrier's keyword: nobody else answers it, so Herald does.
            await self._texts.send(ended, recipient, MessageKind.UNSUBSCRIBED, now)
            return ended, MessageKind.UNSUBSCRIBED
        if reading.intent is Intent.HELP:
            return live, await self._reply(live, recipient, MessageKind.HELP, now)
        choices = PENDING_CHOICES if pending else ACTIVE_CHOICES
        return live, await self._reply(
            live, recipient, MessageKind.REPROMPT, now, data={"choices": choices}
        )

    async def _reply(
        self,
        s: Subscription,
        recipient: Recipient | None,
        kind: MessageKind,
        now: datetime,
        data: dict[str, object] | None = None,
    ) -> MessageKind | None:
        """An automatic answer, unless the phone had its share this hour."""
        answered = await self._subscriptions.count_auto_replies(s.phone, now - HOUR)
        if answered >= self._rules.auto_replies_per_hour:
            return None
        await self._texts.send(s, recipient, kind, now, data=data)
        return kind

    def _note(self, s: Subscription, message: InboundSms, reading: Classification) -> None:
        self._texts.keep(
            ConversationMessage(
                s.id,
                Direction.INBOUND,
                message.body,
                message.received_at,
                message_sid=message.message_sid,
                intent=reading.intent,
                confidence=reading.confidence,
                classifier=reading.classifier,
            )
        )

    async def _recipient_of(self, s: Subscription | None, phone: str) -> Recipient | None:
        if s is not None:
            return await self._recipients.get_by_id(s.recipient_id)
        return await self._recipients.get(ExternalId(PHONE_PREFIX + phone))
