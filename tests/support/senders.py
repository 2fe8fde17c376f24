"""What the SMS and email sender contracts share: a harness for a sender that can be made
to refuse, built for the scripted fake or for a real adapter against its stub, and the
checks both contracts run on each refusing sender."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from application.ports.notifications import DeliveryError, SendReceipt, TransientDeliveryError
from tests.support.fakes import Refusal, ScriptedSender
from tests.support.stubs.server import InspectableStub, Scripted

# The stubs ask for this when they rate-limit; the scripted fake is told the same.
RETRY_AFTER = 2.0


@dataclass
class RefusingHarness:
    send: Callable[[str], Awaitable[SendReceipt]]  # one message to this recipient
    refused: Callable[[Refusal], str]  # a recipient the provider refuses so, once at least
    unavailable_twice: Callable[[str], None]  # the next two sends to it find the provider down
    received: Callable[[], list[str]]  # the provider ids of the messages it took


def scripted_harness(
    fake: ScriptedSender,
    send: Callable[[str], Awaitable[SendReceipt]],
    recipients: dict[Refusal, str],
) -> RefusingHarness:
    def refused(refusal: Refusal) -> str:
        fake.refuse(recipients[refusal], refusal, retry_after=RETRY_AFTER)
        return recipients[refusal]

    return RefusingHarness(
        send,
        refused,
        lambda to: fake.refuse(to, Refusal.UNAVAILABLE, times=2),
        lambda: [r.provider_message_id for r in fake.receipts],
    )


def stub_harness(
    stub: InspectableStub,
    send: Callable[[str], Awaitable[SendReceipt]],
    recipients: dict[Refusal, str],
    received: Callable[[], list[str]],
) -> RefusingHarness:
    """For a real adapter against `stub`, which refuses `recipients` by itself."""
    return RefusingHarness(
        send,
        recipients.__getitem__,
        lambda to: stub.script(to, Scripted(503, stub.error_body(503), times=2)),
        received,
    )


async def assert_refuses(
    harness: RefusingHarness, refusal: Refusal, error: type[DeliveryError], code: str | None
) -> None:
    """The sender raises exactly `error` with the provider's `code`, and sent nothing."""
    with pytest.raises(DeliveryError) as caught:
        await harness.send(harness.refused(refusal))
    assert type(caught.value) is error  # e.g. a refused number is not an opt-out
    assert caught.value.code == code
    assert caught.value.message
    if isinstance(caught.value, TransientDeliveryError):
        expected = RETRY_AFTER if refusal is Refusal.RATE_LIMITED else None
        assert caught.value.retry_after_seconds == expected
    assert harness.received() == []


async def assert_recovers(harness: RefusingHarness, to: str) -> None:
    """Two sends fail while the provider is down; the third goes through, once."""
    harness.unavailable_twice(to)
    for _ in range(2):
        with pytest.raises(TransientDeliveryError):
            await harness.send(to)
    receipt = await harness.send(to)
    assert harness.received() == [receipt.provider_message_id]
