"""Subscription use cases over the fakes: subscribing, the inbound path (stored, handed
over, acted on once), the keywords against any classifier, the carrier opt-out and its
lifting, expiry, and the provider answering STOP itself (the default)."""

import pytest
from dishka import Provider, Scope, provide

from application.ports.subscriptions import Classification, IntentClassifier
from application.subscriptions.handle_sms import HandleSms
from application.subscriptions.receive_sms import ReceiveSms
from application.subscriptions.requeue_inbound import MOST, RequeueInbound
from application.subscriptions.subscribe import Subscribe, SubscribeCommand, Subscribed
from domain.errors import RateLimited
from domain.notifications import Status as NotificationStatus
from domain.recipients import ExternalId
from domain.subscriptions import InboundSms, Intent, MessageKind, Status
from tests.support.accounts import new_user
from tests.support.container import Fakes, use_cases

ANN = new_user("ann")
PHONE = "+15105552054"
_count = iter(range(1, 1_000_000))


class Always(Provider):
    """A classifier that always answers `intent`: the keywords must still win."""

    scope = Scope.APP

    def __init__(self, intent: Intent) -> None:
        super().__init__()
        self._intent = intent

    @provide
    def classifier(self) -> IntentClassifier:
        intent = self._intent

        class _Fixed:
            async def classify(self, text: str) -> Classification:
                return Classification(intent, 0.99, "fixed")

        return _Fixed()


async def subscribe(fakes: Fakes, **settings: object) -> Subscribed:
    async with use_cases(fakes, **settings) as request:
        return await (await request.get(Subscribe))(SubscribeCommand(ANN, PHONE))


async def text(fakes: Fakes, body: str, *overrides: Provider, **settings: object) -> str:
    """The phone texts `body`: received, then handled as the worker does."""
    sid = f"SM{next(_count):032x}"
    message = InboundSms(sid, PHONE, "+15005550006", body, fakes.clock.now())
    async with use_cases(fakes, *overrides, **settings) as request:
        await (await request.get(ReceiveSms))(message)
    async with use_cases(fakes, *overrides, **settings) as request:
        await (await request.get(HandleSms))(sid)
    return sid


def texts(fakes: Fakes) -> list[tuple[str, NotificationStatus]]:
    rows = sorted(fakes.notifications._rows.values(), key=lambda n: (n.due_at, n.created_at))
    return [(n.text, n.status) for n in rows]


def recipient_opted_out(fakes: Fakes) -> bool:
    found = next(
        r for r in fakes.recipients.rows.values() if r.external_id == ExternalId(f"sms:{PHONE}")
    )
    return found.sms_opted_out


async def test_subscribing_makes_the_phones_recipient_and_texts_once() -> None:
    fakes = Fakes()
    done = await subscribe(fakes)
    assert done.subscription.status is Status.PENDING
    assert done.confirmation_sent
    assert len(texts(fakes)) == 1
    assert fakes.wakeups.due == [fakes.clock.now()]  # the dispatcher was told it is due
    assert not recipient_opted_out(fakes)


TWILIO = {
    "twilio_account_sid": "AC" + "0" * 32,
    "twilio_auth_token": "token",
    "twilio_from_number": "+15005550006",
}


async def test_stop_is_a_keyword_whatever_the_classifier_says() -> None:
    fakes = Fakes()
    made = (await subscribe(fakes)).subscription
    await text(fakes, "YES", Always(Intent.AFFIRM), **TWILIO)
    await text(fakes, "Stop.", Always(Intent.AFFIRM), **TWILIO)
    s = await fakes.subscriptions.get(made.id)
    assert s is not None
    assert s.status is Status.UNSUBSCRIBED
    assert recipient_opted_out(fakes)  # through PhoneOptedOut
    # With Twilio, which answers STOP itself (HERALD_TWILIO_HANDLES_OPT_OUT=true, the
    # default): no unsubscribe text of Herald's; the updates not yet sent are canceled.
    bodies = texts(fakes)
    assert not any("no more messages" in body for body, _ in bodies)
    assert [status for body, status in bodies if ": update " in body] == [
        NotificationStatus.CANCELED,
        NotificationStatus.CANCELED,
    ]
    messages = await fakes.subscriptions.messages(made.id)
    stop = next(m for m in messages if m.body == "Stop.")
    assert (stop.intent, stop.classifier, stop.confidence) == (Intent.STOP, "keyword", 1.0)


async def test_start_lifts_the_opt_out_and_resubscribes() -> None:
    fakes = Fakes()
    made = (await subscribe(fakes)).subscription
    await text(fakes, "yes")
    await text(fakes, "STOP")
    assert recipient_opted_out(fakes)
    fakes.clock.advance(minutes=5)
    await text(fakes, "UNSTOP")
    s = await fakes.subscriptions.get(made.id)
    assert s is not None
    assert s.status is Status.ACTIVE
    assert not recipient_opted_out(fakes)
    kinds = [m.kind for m in await fakes.subscriptions.messages(made.id) if m.kind]
    assert kinds.count(MessageKind.UPDATE) == 4  # two per activation
    assert kinds[-1] is MessageKind.CONFIRMED


async def test_an_unconfirmed_subscription_expires_and_yes_then_opts_in() -> None:
    fakes = Fakes()
    made = (await subscribe(fakes, subscription_confirm_ttl_seconds=60)).subscription
    fakes.clock.advance(seconds=61)
    await text(fakes, "maybe", subscription_confirm_ttl_seconds=60)
    s = await fakes.subscriptions.get(made.id)
    assert s is not None
    assert s.status is Status.EXPIRED  # and no re-prompt: nothing is pending any more
    assert len(texts(fakes)) == 1
    await text(fakes, "YES", subscription_confirm_ttl_seconds=60)
    s = await fakes.subscriptions.get(made.id)
    assert s is not None
    assert s.status is Status.ACTIVE


async def test_a_message_is_handed_over_until_processed_and_acted_on_once() -> None:
    fakes = Fakes()
    await subscribe(fakes)
    message = InboundSms("SM" + "c" * 32, PHONE, "+15005550006", "what?", fakes.clock.now())
    for _ in range(2):  # Twilio's retry before the worker ran: handed over again
        async with use_cases(fakes) as request:
            await (await request.get(ReceiveSms))(message)
    assert fakes.inbound_queue.sids == [message.message_sid] * 2
    for _ in range(2):
        async with use_cases(fakes) as request:
            await (await request.get(HandleSms))(message.message_sid)
    assert len(texts(fakes)) == 2  # the confirmation and one re-prompt
    async with use_cases(fakes) as request:
        assert await (await request.get(ReceiveSms))(message) is False
    assert len(fakes.inbound_queue.sids) == 2  # processed: not handed over again


async def test_the_limits_refuse_a_confirmation_past_them() -> None:
    fakes = Fakes()
    settings = {"subscription_limit_per_phone_day": 1, "subscription_resend_seconds": 0}
    async with use_cases(fakes, **settings) as request:
        subscribe_ = await request.get(Subscribe)
        await subscribe_(SubscribeCommand(ANN, PHONE))
        with pytest.raises(RateLimited) as refused:
            await subscribe_(SubscribeCommand(ANN, PHONE))
    assert refused.value.retry_after_seconds > 3600  # the per-day window


async def test_without_twilio_herald_confirms_a_stop_itself() -> None:
    fakes = Fakes()
    await subscribe(fakes)
    await text(fakes, "STOP")  # the console sender: nobody else answers
    assert any("You will get no more messages" in body for body, _ in texts(fakes))


async def test_the_sweep_expires_unconfirmed_subscriptions() -> None:
    from application.subscriptions.expire_subscriptions import ExpireSubscriptions

    fakes = Fakes()
    made = (await subscribe(fakes, subscription_confirm_ttl_seconds=60)).subscription
    async with use_cases(fakes) as request:
        assert await (await request.get(ExpireSubscriptions))() == 0
    fakes.clock.advance(seconds=60)
    async with use_cases(fakes) as request:
        assert await (await request.get(ExpireSubscriptions))() == 1
    s = await fakes.subscriptions.get(made.id)
    assert s is not None
    assert s.status is Status.EXPIRED
    [*_, change] = await fakes.subscriptions.changes(made.id)
    assert change.reason == "not confirmed in time"


async def test_the_sweep_hands_over_again_what_was_stored_but_not_processed() -> None:
    fakes = Fakes()
    await subscribe(fakes)
    lost = InboundSms("SMlost", PHONE, "+15005550006", "YES", fakes.clock.now())
    async with use_cases(fakes) as request:
        await (await request.get(ReceiveSms))(lost)  # handed over; its task then lost
    done = await text(fakes, "HELP")  # stored and processed
    fakes.inbound_queue.sids.clear()
    async with use_cases(fakes) as request:
        assert await (await request.get(RequeueInbound))() == 0  # not late yet
    fakes.clock.advance(seconds=61)
    for _ in range(MOST):
        async with use_cases(fakes) as request:
            assert await (await request.get(RequeueInbound))() == 1
    assert fakes.inbound_queue.sids == ["SMlost"] * MOST
    assert done not in fakes.inbound_queue.sids
    async with use_cases(fakes) as request:
        assert await (await request.get(RequeueInbound))() == 0  # given up on after MOST
        await (await request.get(HandleSms))("SMlost")  # a handed-over task acts at last
    assert any("you are subscribed" in body for body, _ in texts(fakes))


class Refusing(Provider):
    """A classifier that must not be asked: keywords are read without one."""

    scope = Scope.APP

    @provide
    def classifier(self) -> IntentClassifier:
        class _Refuse:
            async def classify(self, text: str) -> Classification:
                raise AssertionError(f"the classifier was asked about {text!r}")

        return _Refuse()


async def test_keywords_never_reach_the_classifier() -> None:
    fakes = Fakes()
    made = (await subscribe(fakes)).subscription
    for body in ("HELP", "info!", "STOP", "unstop"):
        await text(fakes, body, Refusing())
    s = await fakes.subscriptions.get(made.id)
    assert s is not None
    assert s.status is Status.ACTIVE  # STOP, then UNSTOP brought it back
