"""`LandbotMessenger` on the fake and on the real httpx adapter against the Landbot stub
(its wire format: `POST /v1/customers/{id}/send_text/`, `Authorization: Token ...`):
each of Landbot's answers is the same outcome on both, permanent or transient."""

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest

from adapters.landbot.tickets import HttpLandbotMessenger
from adapters.memory.tickets import FakeLandbotMessenger
from application.ports.tickets import LandbotMessenger, LandbotRejected, LandbotUnavailable
from tests.support.stubs.landbot import SLOW, TOKEN, LandbotStub
from tests.support.stubs.server import Scripted, StubServer


@pytest.fixture(scope="module")
def landbot_stub() -> Iterator[tuple[LandbotStub, str]]:
    app = LandbotStub(slow_seconds=2.0)
    with StubServer(app) as server:
        yield app, server.url


@dataclass
class Subject:
    messenger: LandbotMessenger
    fake: FakeLandbotMessenger | None
    stub: LandbotStub | None

    def script(self, customer: str, status: int, headers: dict[str, str] | None = None) -> None:
        if self.fake is not None:
            retry = float(headers["Retry-After"]) if headers else None
            self.fake.script(customer, status, retry)
        else:
            assert self.stub is not None
            pairs = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
            self.stub.script(customer, Scripted(status, self.stub.error_body(status), pairs))

    def sent(self) -> list[tuple[str, str]]:
        if self.fake is not None:
            return self.fake.sent
        assert self.stub is not None
        return list(self.stub.messages)


@pytest.fixture(params=["fake", "landbot"])
async def subject(
    request: pytest.FixtureRequest, landbot_stub: tuple[LandbotStub, str]
) -> AsyncIterator[Subject]:
    if request.param == "fake":
        fake = FakeLandbotMessenger()
        yield Subject(fake, fake, None)
        return
    stub, url = landbot_stub
    stub.reset()
    real = HttpLandbotMessenger(TOKEN, base_url=url, timeout_seconds=0.5)
    yield Subject(real, None, stub)
    await real.aclose()


async def test_a_good_answer_takes_the_text(subject: Subject) -> None:
    await subject.messenger.send_text("1001", "Your request #4 is solved.")
    await subject.messenger.send_text("1002", "On its way — ünïcode too")
    assert subject.sent() == [
        ("1001", "Your request #4 is solved."),
        ("1002", "On its way — ünïcode too"),
    ]


@pytest.mark.parametrize(("status", "what"), [(401, "token"), (403, "token"), (404, "customer")])
async def test_a_refusal_is_permanent(subject: Subject, status: int, what: str) -> None:
    subject.script("2001", status)
    with pytest.raises(LandbotRejected) as refused:
        await subject.messenger.send_text("2001", "hi")
    assert refused.value.status == status
    assert subject.sent() == []
    await subject.messenger.send_text("2001", "hi")  # scripted once: the next one goes
    assert subject.sent() == [("2001", "hi")]


async def test_rate_limits_and_server_errors_are_transient(subject: Subject) -> None:
    subject.script("3001", 429, {"Retry-After": "7"})
    with pytest.raises(LandbotUnavailable) as limited:
        await subject.messenger.send_text("3001", "hi")
    assert (limited.value.status, limited.value.retry_after_seconds) == (429, 7.0)
    for status in (500, 502, 503):
        subject.script("3002", status)
        with pytest.raises(LandbotUnavailable) as failed:
            await subject.messenger.send_text("3002", "hi")
        assert failed.value.status == status
    assert subject.sent() == []


async def test_the_real_adapter_against_the_real_refusals(
    landbot_stub: tuple[LandbotStub, str],
) -> None:
    """What only the wire can show: a wrong token and an unknown customer as Landbot
    answers them, a timeout, and an unreachable API."""
    stub, url = landbot_stub
    stub.reset()
    wrong = HttpLandbotMessenger("not-the-token", base_url=url, timeout_seconds=0.5)
    with pytest.raises(LandbotRejected, match="refused the API token") as refused:
        await wrong.send_text("1", "hi")
    assert refused.value.status == 401
    await wrong.aclose()
    real = HttpLandbotMessenger(TOKEN, base_url=url, timeout_seconds=0.3)
    with pytest.raises(LandbotRejected, match="no such customer"):
        await real.send_text("404-gone", "hi")
    with pytest.raises(LandbotUnavailable, match="timed out"):
        await real.send_text(SLOW, "hi")
    await real.aclose()
    closed = HttpLandbotMessenger(TOKEN, base_url="http://127.0.0.1:9", timeout_seconds=0.3)
    with pytest.raises(LandbotUnavailable, match=r"unreachable|timed out"):
        await closed.send_text("1", "hi")
    await closed.aclose()
    assert stub.messages == []


async def test_a_timeout_is_transient(subject: Subject) -> None:
    customer = SLOW  # the stub answers it after its slow delay, past the client's timeout
    if subject.fake is not None:
        subject.fake.script(customer, "timeout")
    with pytest.raises(LandbotUnavailable) as failed:
        await subject.messenger.send_text(customer, "hi")
    assert failed.value.status is None
    assert subject.sent() == []


async def test_the_wire_format(landbot_stub: tuple[LandbotStub, str]) -> None:
    """The request as Landbot documents it, seen by a transport that records it."""
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"success": True})

    http = httpx.AsyncClient(transport=httpx.MockTransport(record))
    messenger = HttpLandbotMessenger("tok", base_url="https://api.landbot.io/", http=http)
    await messenger.send_text("12 34/5", "hello")
    await http.aclose()
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == "https://api.landbot.io/v1/customers/12%2034%2F5/send_text/"
    assert request.headers["authorization"] == "Token tok"
    assert request.headers["content-type"] == "application/json"
    assert request.read() == b'{"message":"hello"}'
