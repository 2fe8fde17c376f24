"""DataSource: the simulated source and HttpDataSource against a stub upstream on
127.0.0.1 both answer in the upstream's wire format; HttpDataSource turns every kind of
upstream trouble into UpstreamMalformed or UpstreamUnavailable, never anything else."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from adapters.http.datapoints import HttpDataSource
from adapters.memory.datapoints import InMemoryDataPointRepository
from adapters.memory.transactions import InMemoryTransactionManager
from adapters.simulated.datapoints import SimulatedDataSource
from application.datapoints.populate import FetchPolicy, PopulateCommand, PopulateDataPoints
from application.ports.datapoints import DataSource, UpstreamMalformed
from domain.datapoints import DecodingRules, decode_point, split_payload
from domain.errors import UpstreamUnavailable
from tests.support.fakes import FakeClock, RecordingPoints
from tests.support.upstream import Reply, StubUpstream, stub_upstream

NOW = datetime(2024, 4, 22, 15, 0, tzinfo=UTC)
GOOD_TIME = 1713798000
GOOD = {"time": GOOD_TIME, "value": [157, 42, 76, 190], "tags": []}


@pytest.fixture
async def stub() -> AsyncIterator[StubUpstream]:
    async with stub_upstream() as upstream:
        yield upstream


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.3)) as client:
        yield client


def http_source(client: httpx.AsyncClient, stub: StubUpstream, retries: int = 2) -> HttpDataSource:
    return HttpDataSource(client, stub.url, retries=retries, backoff_seconds=0.01)


@pytest.fixture(params=["simulated", "http"])
async def source(
    request: pytest.FixtureRequest, stub: StubUpstream, http_client: httpx.AsyncClient
) -> DataSource:
    if request.param == "simulated":
        return SimulatedDataSource(FakeClock(NOW), points_per_fetch=3)
    stub.script(Reply([GOOD, {**GOOD, "time": 1713798001, "tags": ["system"]}, GOOD]))
    return http_source(http_client, stub)


async def test_answers_decode_as_points(source: DataSource) -> None:
    items = split_payload(await source.fetch())
    points = [decode_point(item, DecodingRules(), NOW) for item in items]
    assert len(points) == 3
    assert all(isinstance(p.value, float) for p in points)


async def test_simulated_source_is_deterministic_and_varied() -> None:
    first = SimulatedDataSource(FakeClock(NOW), points_per_fetch=30)
    second = SimulatedDataSource(FakeClock(NOW), points_per_fetch=30)
    a, b = await first.fetch(), await second.fetch()
    assert a == b
    points = [decode_point(i, DecodingRules(), NOW) for i in split_payload(a)]
    assert points[0].value == -0.19938130676746368
    tags = {t for p in points for t in p.tags}
    assert {"system", "suspect", "too old"} <= tags
    assert any(p.valid for p in points)
    assert len({(p.time, p.raw) for p in points}) == 30
    single = SimulatedDataSource(FakeClock(NOW))
    assert isinstance(await single.fetch(), dict)


async def test_http_single_point(stub: StubUpstream, http_client: httpx.AsyncClient) -> None:
    stub.script(Reply(GOOD))
    assert await http_source(http_client, stub).fetch() == GOOD


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_http_retries_transient_failures(
    stub: StubUpstream, http_client: httpx.AsyncClient, status: int
) -> None:
    stub.script(Reply("oops", status=status), Reply([GOOD]))
    assert await http_source(http_client, stub).fetch() == [GOOD]
    assert stub.hits == 2


async def test_http_failing_upstream_gives_up_after_bounded_retries(
    stub: StubUpstream, http_client: httpx.AsyncClient
) -> None:
    stub.script(Reply("down", status=502))
    with pytest.raises(UpstreamUnavailable, match="HTTP 502"):
        await http_source(http_client, stub, retries=2).fetch()
    assert stub.hits == 3


async def test_http_client_error_is_not_retried(
    stub: StubUpstream, http_client: httpx.AsyncClient
) -> None:
    stub.script(Reply("no", status=404))
    with pytest.raises(UpstreamUnavailable, match="HTTP 404"):
        await http_source(http_client, stub).fetch()
    assert stub.hits == 1


async def test_http_slow_upstream_times_out(
    stub: StubUpstream, http_client: httpx.AsyncClient
) -> None:
    stub.script(Reply(GOOD, delay=2))
    with pytest.raises(UpstreamUnavailable, match="timed out"):
        await http_source(http_client, stub, retries=1).fetch()
    assert stub.hits == 2


async def test_http_unreachable(http_client: httpx.AsyncClient) -> None:
    async with stub_upstream() as gone:
        url = gone.url
    source = HttpDataSource(http_client, url, retries=1, backoff_seconds=0.01)
    with pytest.raises(UpstreamUnavailable, match="could not be reached"):
        await source.fetch()


async def test_http_non_json(stub: StubUpstream, http_client: httpx.AsyncClient) -> None:
    stub.script(Reply("<html>busy</html>", content_type="text/html"))
    with pytest.raises(UpstreamMalformed) as caught:
        await http_source(http_client, stub).fetch()
    assert caught.value.raw == "<html>busy</html>"


async def test_every_bad_case_is_rejected_and_counted_through_populate(
    stub: StubUpstream, http_client: httpx.AsyncClient
) -> None:
    bad = [
        {**GOOD, "value": [1, 2, 3]},
        {**GOOD, "value": [1, 2, 3, 300]},
        {**GOOD, "value": [0, 0, 192, 127]},
        {**GOOD, "value": [0, 0, 128, 255]},
        {"value": [1, 2, 3, 4], "tags": []},
        {**GOOD, "time": "yesterday"},
        {**GOOD, "tags": None},
        "point",
    ]
    stub.script(Reply([GOOD, *bad]), Reply(b"not json"), Reply(b"NaN"), Reply(GOOD))
    points = InMemoryDataPointRepository()
    clock = FakeClock(datetime(2024, 4, 22, 15, 0, tzinfo=UTC))
    populate = PopulateDataPoints(
        http_source(http_client, stub),
        points,
        DecodingRules(),
        clock,
        InMemoryTransactionManager(),
        FetchPolicy(concurrency=8),
    )
    report = await populate(PopulateCommand(count=4))
    assert report.fetched == 12
    assert report.stored == 1
    assert report.duplicates == 1
    assert report.rejected_count == 10
    reasons = [r.reason for r in report.rejected]
    assert sum("not JSON" in r for r in reasons) == 2
    assert all(r.raw for r in report.rejected)


class CallRecorder:
    """HttpDataSource, remembering which answer each call (in call order) got."""

    def __init__(self, source: DataSource) -> None:
        self._source = source
        self.answers: dict[int, object] = {}

    async def fetch(self) -> object:
        call = len(self.answers)
        self.answers[call] = None
        self.answers[call] = await self._source.fetch()
        return self.answers[call]


async def test_populate_keeps_n_requests_in_flight_and_the_fetch_order(
    stub: StubUpstream, http_client: httpx.AsyncClient
) -> None:
    count, concurrency, step = 24, 6, 0.02
    # One point per request; within each window of six, later arrivals answer sooner.
    stub.script(
        *(
            Reply({**GOOD, "time": GOOD_TIME + k}, delay=step * (concurrency - k % concurrency))
            for k in range(count)
        )
    )
    source = CallRecorder(http_source(http_client, stub))
    points = RecordingPoints()
    populate = PopulateDataPoints(
        source,
        points,
        DecodingRules(),
        FakeClock(NOW),
        InMemoryTransactionManager(),
        FetchPolicy(concurrency),
    )
    report = await populate(PopulateCommand(count))
    assert report.stored == count
    assert stub.most_in_flight == concurrency
    answers = [source.answers[call] for call in range(count)]
    in_call_order = [answer["time"] for answer in answers if isinstance(answer, dict)]
    assert len(in_call_order) == count
    assert [p.time.timestamp() for p in points.added] == in_call_order


async def test_populate_with_unreachable_upstream_raises(http_client: httpx.AsyncClient) -> None:
    async with stub_upstream() as gone:
        url = gone.url
    populate = PopulateDataPoints(
        HttpDataSource(http_client, url, retries=0),
        InMemoryDataPointRepository(),
        DecodingRules(),
        FakeClock(NOW),
        InMemoryTransactionManager(),
        FetchPolicy(concurrency=8),
    )
    with pytest.raises(UpstreamUnavailable):
        await populate(PopulateCommand(count=3))
