from dataclasses import dataclass

from application.policy import Caller, caller_id, require_scope, user_of
from application.ports.clock import Clock
from application.ports.recipients import RecipientRepository
from application.ports.subscriptions import SubscriptionRepository
from application.subscriptions.config import SubscriptionRules
from application.subscriptions.limits import ConfirmationLimits
from application.subscriptions.moves import SubscriptionMoves
from application.subscriptions.texts import SubscriptionTexts
from domain.api_keys import Scope, ServicePrincipal
from domain.errors import Conflict, FieldErrors, InvalidInput, NotFound, RateLimited
from domain.ids import new_id
from domain.recipients import Channels, Contact, ExternalId, PhoneNumber, Recipient
from domain.subscriptions import MessageKind, Status, Subscription, country_code

PHONE_PREFIX = "sms:"  # the external id of a subscribed phone's own recipient


class AlreadySubscribed(Conflict):
    """The phone is active in the program already: the subscription is the answer."""

    def __init__(self, subscription: Subscription) -> None:
        super().__init__("this phone is already subscribed to the program")
        self.subscription = subscription


@dataclass(frozen=True, slots=True)
class SubscribeCommand:
    requester: Caller
    phone: str | None = None
    recipient: str | None = None  # an external id: API keys name the recipient


@dataclass(frozen=True, slots=True)
class Subscribed:
    subscription: Subscription
    confirmation_sent: bool  # False: pending already, its confirmation sent too recently


class Subscribe:
    """Subscribe a phone to the program's updates: a pending subscription, and the
    confirmation text (double opt-in: nothing else is sent until the phone replies YES).

    Who: a user, for any phone (its recipient is the phone's own, `sms:<E.164>`, made
    when missing); or an API key with subscriptions:write naming a `recipient` that has
    a phone (a `phone` given too must be that one). A phone that replied STOP is refused
    until it texts START; a phone active in the program is a conflict carrying the
    subscription (AlreadySubscribed); a pending one keeps its subscription, and its
    confirmation goes again at most once per `resend_every`. A pending subscription past
    its time to live expires first. Every confirmation text counts against the
    anti-pumping limits (RateLimited past them)."""

    def __init__(
        self,
        subscriptions: SubscriptionRepository,
        recipients: RecipientRepository,
        texts: SubscriptionTexts,
        moves: SubscriptionMoves,
        limits: ConfirmationLimits,
        rules: SubscriptionRules,
        clock: Clock,
    ) -> None:
        self._subscriptions = subscriptions
        self._recipients = recipients
        self._texts = texts
        self._moves = moves
        self._limits = limits
        self._rules = rules
        self._clock = clock

    async def __call__(self, cmd: SubscribeCommand) -> Subscribed:
        if isinstance(cmd.requester, ServicePrincipal):
            require_scope(cmd.requester, Scope.SUBSCRIPTIONS_WRITE)
        errors = FieldErrors()
        phone = None if cmd.phone is None else errors.check("phone", PhoneNumber, cmd.phone)
        external_id = None
        if cmd.recipient is not None:
            external_id = errors.check("recipient", ExternalId, cmd.recipient)
        if user_of(cmd.requester) is None and cmd.recipient is None:
            errors.add("recipient", "an API key must name the recipient")
        elif user_of(cmd.requester) is not None and cmd.phone is None:
            errors.add("phone", "is required")
        errors.raise_if_any()

        now = self._clock.now()
        recipient = await self._recipient(cmd, phone, external_id)
        assert recipient.contact.phone is not None  # checked by _recipient
        number = recipient.contact.phone.value
        if recipient.sms_opted_out:
            raise Conflict(
                f"{number} replied STOP: it must text START before it can be subscribed again"
            )
        live = await self._subscriptions.live_for(number, self._rules.program)
        if live is not None and live.is_expired(now):
            await self._moves.move(live, Status.EXPIRED, now, "not confirmed in time")
            live = None
        if live is not None and live.status is Status.ACTIVE:
            raise AlreadySubscribed(live)
        if live is not None and not live.may_resend(now, self._rules.resend_every):
            return Subscribed(live, confirmation_sent=False)
        await self._check_limits(cmd.requester, number)
        if live is None:
            user = user_of(cmd.requester)
            made, change = Subscription.new(
                new_id(),
                number,
                self._rules.program,
                recipient.id,
                None if user is None else user.id,
                now,
                self._rules.confirm_ttl,
            )
            await self._subscriptions.add(made)  # Conflict: a concurrent request won
            await self._subscriptions.add_change(change)
            subscription = made
        else:
            subscription = live.resent(now)
            await self._subscriptions.update(subscription)
        user = user_of(cmd.requester)
        await self._texts.send(
            subscription,
            recipient,
            MessageKind.CONFIRMATION,
            now,
            created_by=None if user is None else user.id,
        )
        await self._texts.commit()
        return Subscribed(subscription, confirmation_sent=True)

    async def _recipient(
        self, cmd: SubscribeCommand, phone: PhoneNumber | None, external_id: ExternalId | None
    ) -> Recipient:
        if external_id is not None:
            found = await self._recipients.get(external_id)
            if found is None:
                raise NotFound(f"no recipient with external id {str(external_id)!r}")
            if found.contact.phone is None:
                raise InvalidInput.field("recipient", "the recipient has no phone")
            if phone is not None and phone != found.contact.phone:
                raise InvalidInput.field("phone", "is not the recipient's phone")
            return found
        assert phone is not None  # a user names the phone
        own = ExternalId(PHONE_PREFIX + phone.value)
        found = await self._recipients.get(own)
        if found is not None:
            return found
        made = Recipient.new(
            new_id(), own, Contact(phone=phone, channels=Channels(sms=True)), self._clock.now()
        )
        await self._recipients.save(made)
        return made

    async def _check_limits(self, requester: Caller, phone: str) -> None:
        wait = await self._limits.hit(str(caller_id(requester)), phone, country_code(phone))
        if wait is not None:
            raise RateLimited(
                "too many confirmation texts: the limits per caller, phone and country "
                "protect against SMS pumping",
                wait,
            )
