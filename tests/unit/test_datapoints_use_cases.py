"""The data point use cases, built by the container over in-memory fakes."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import pytest
from dishka import AsyncContainer

from adapters.memory.transactions import InMemoryTransactionManager
from application.datapoints.list_points import ListDataPoints, ListDataPointsQuery
from application.datapoints.populate import PopulateCommand, PopulateDataPoints
from application.datapoints.summarize import SummarizeDataPoints, SummarizeQuery
from application.ports.datapoints import UpstreamMalformed
from domain.errors import InvalidInput, PermissionDenied, UpstreamUnavailable
from tests.support.container import Fakes, use_cases
from tests.support.fakes import ScriptedSource

NOW = datetime(2024, 4, 22, 15, 0, tzinfo=UTC)


def pt(
    offset_s: float, raw: list[int] | None = None, tags: list[str] | None = None
) -> dict[str, object]:
    return {
        "time": NOW.timestamp() + offset_s,
        "value": raw or [157, 42, 76, 190],
        "tags": tags or [],
    }


class Kit(Fakes):
    """The fakes, and the data point use cases the container builds over them."""

    source: ScriptedSource

    async def resolve(self, request: AsyncContainer) -> None:
        self.tx = await request.get(InMemoryTransactionManager)
        self.populate = await request.get(PopulateDataPoints)
        self.list = await request.get(ListDataPoints)
        self.summarize = await request.get(SummarizeDataPoints)


MakeKit = Callable[..., Awaitable[Kit]]


@pytest.fixture
async def make_kit() -> AsyncIterator[MakeKit]:
    """Builds a kit whose source gives these answers; one fetch at a time."""
    async with AsyncExitStack() as stack:

        async def make(*answers: object) -> Kit:
            kit = Kit(NOW)
            kit.source = ScriptedSource(*answers)
            request = await stack.enter_async_context(use_cases(kit, data_upstream_concurrency=1))
            await kit.resolve(request)
            return kit

        yield make


async def test_populate_stores_lists_and_single_points_and_counts_duplicates(
    make_kit: MakeKit,
) -> None:
    kit = await make_kit([pt(-3), pt(-2)], pt(-1), pt(-1))
    report = await kit.populate(PopulateCommand(count=3))
    assert (report.fetched, report.stored, report.duplicates, report.rejected_count) == (4, 3, 1, 0)
    assert kit.tx.commits == 1
    assert kit.source.calls == 3


async def test_populate_rejects_bad_points_with_reason_and_raw(make_kit: MakeKit) -> None:
    kit = await make_kit(
        [pt(-1), {"time": NOW.timestamp(), "value": [1, 2, 3], "tags": []}, "junk"]
    )
    report = await kit.populate(PopulateCommand())
    assert (report.fetched, report.stored, report.rejected_count) == (3, 1, 2)
    assert "exactly 4 bytes" in report.rejected[0].reason
    assert '"value": [1, 2, 3]' in (report.rejected[0].raw or "")
    assert report.rejected[1].raw == '"junk"'


async def test_a_non_json_or_odd_answer_is_one_rejection(make_kit: MakeKit) -> None:
    kit = await make_kit(UpstreamMalformed("the upstream answer is not JSON", "<html>"), 42, pt(-1))
    report = await kit.populate(PopulateCommand(count=3))
    assert (report.fetched, report.stored, report.rejected_count) == (3, 1, 2)
    assert [r.raw for r in report.rejected] == ["<html>", "42"]


async def test_upstream_down_at_once_fails_and_stores_nothing(make_kit: MakeKit) -> None:
    kit = await make_kit(UpstreamUnavailable("the upstream timed out"))
    with pytest.raises(UpstreamUnavailable):
        await kit.populate(PopulateCommand(count=5))
    assert kit.tx.commits == 0
    assert kit.source.calls == 1


async def test_upstream_down_later_keeps_what_was_fetched(make_kit: MakeKit) -> None:
    kit = await make_kit(pt(-1), UpstreamUnavailable("the upstream answered HTTP 503"))
    report = await kit.populate(PopulateCommand(count=5))
    assert report.stored == 1
    assert kit.source.calls == 2
    assert report.upstream_error == "fetch 2 of 5: the upstream answered HTTP 503"


@pytest.mark.parametrize("count", [0, -1, 1001])
async def test_populate_count_is_bounded(make_kit: MakeKit, count: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        await (await make_kit(pt(0))).populate(PopulateCommand(count))
    assert caught.value.errors[0].field == "count"


async def seeded(make_kit: MakeKit) -> Kit:
    kit = await make_kit(
        [pt(-300 + i, [i, 0, 128, 63], ["system"] if i % 3 == 0 else []) for i in range(10)]
    )
    await kit.populate(PopulateCommand())
    return kit


async def test_users_see_valid_points_only_and_may_not_ask_for_invalid(make_kit: MakeKit) -> None:
    kit = await seeded(make_kit)
    page = await kit.list(ListDataPointsQuery(is_admin=False))
    assert len(page.items) == 6
    assert all(p.valid for p in page.items)
    assert len((await kit.list(ListDataPointsQuery(is_admin=False, valid=True))).items) == 6
    with pytest.raises(PermissionDenied):
        await kit.list(ListDataPointsQuery(is_admin=False, valid=False))


async def test_admin_sees_all_and_filters(make_kit: MakeKit) -> None:
    kit = await seeded(make_kit)
    assert len((await kit.list(ListDataPointsQuery(is_admin=True))).items) == 10
    invalid = await kit.list(ListDataPointsQuery(is_admin=True, valid=False))
    assert len(invalid.items) == 4
    assert not any(p.valid for p in invalid.items)


async def test_cursor_pages_through_everything_in_order(make_kit: MakeKit) -> None:
    kit = await seeded(make_kit)
    seen, cursor = [], None
    while True:
        page = await kit.list(ListDataPointsQuery(is_admin=True, limit=3, cursor=cursor))
        seen += page.items
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == 10
    assert [p.time for p in seen] == sorted(p.time for p in seen)


async def test_skip_limit_and_range(make_kit: MakeKit) -> None:
    kit = await seeded(make_kit)
    page = await kit.list(ListDataPointsQuery(is_admin=True, skip=8, limit=5))
    assert len(page.items) == 2
    assert page.next_cursor is None
    start = (NOW - timedelta(seconds=296)).isoformat()
    end = (NOW - timedelta(seconds=293)).isoformat()
    ranged = await kit.list(ListDataPointsQuery(is_admin=True, start=start, end=end))
    assert len(ranged.items) == 3


async def test_list_names_every_bad_field(make_kit: MakeKit) -> None:
    kit = await seeded(make_kit)
    query = ListDataPointsQuery(
        is_admin=True, start="2024-04-22T16:00:00Z", end="2024-04-22T15:00:00Z", skip=-1, limit=1001
    )
    with pytest.raises(InvalidInput) as caught:
        await kit.list(query)
    assert {e.field for e in caught.value.errors} == {"start", "skip", "limit"}
    bad = ListDataPointsQuery(is_admin=True, start="2024-04-22T15:00:00", end="soon", cursor="x")
    with pytest.raises(InvalidInput) as caught:
        await kit.list(bad)
    assert {e.field for e in caught.value.errors} == {"start", "end", "cursor"}


async def test_stats_per_bucket(make_kit: MakeKit) -> None:
    kit = await seeded(make_kit)
    summary = await kit.summarize(SummarizeQuery(is_admin=False, bucket="minute"))
    assert sum(b.count for b in summary.buckets) == 6
    assert all(b.min <= b.mean <= b.max for b in summary.buckets)
    assert summary.end == NOW
    assert summary.start == NOW - timedelta(days=1)
    everything = await kit.summarize(SummarizeQuery(is_admin=True, bucket="hour"))
    assert [b.count for b in everything.buckets] == [10]


async def test_stats_refuses_bad_input(make_kit: MakeKit) -> None:
    kit = await seeded(make_kit)
    with pytest.raises(InvalidInput):
        await kit.summarize(SummarizeQuery(is_admin=True, bucket="week"))
    with pytest.raises(InvalidInput):
        await kit.summarize(
            SummarizeQuery(is_admin=True, bucket="minute", start="2020-01-01T00:00:00Z")
        )
    with pytest.raises(PermissionDenied):
        await kit.summarize(SummarizeQuery(is_admin=False, valid=False))
