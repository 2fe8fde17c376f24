from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory.datapoints import InMemoryDataPointRepository
from adapters.memory.transactions import InMemoryTransactionManager
from application.datapoints.list_points import ListDataPoints, ListDataPointsQuery
from application.datapoints.populate import FetchPolicy, PopulateCommand, PopulateDataPoints
from application.datapoints.summarize import SummarizeDataPoints, SummarizeQuery
from application.ports.datapoints import UpstreamMalformed
from domain.datapoints import DecodingRules
from domain.errors import InvalidInput, PermissionDenied, UpstreamUnavailable
from tests.support.fakes import FakeClock

NOW = datetime(2024, 4, 22, 15, 0, tzinfo=UTC)


class ScriptedSource:
    """Answers each fetch with the next scripted document, or raises it if an exception."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def fetch(self) -> object:
        self.calls += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def pt(
    offset_s: float, raw: list[int] | None = None, tags: list[str] | None = None
) -> dict[str, object]:
    return {
        "time": NOW.timestamp() + offset_s,
        "value": raw or [157, 42, 76, 190],
        "tags": tags or [],
    }


class Kit:
    """One fetch at a time unless `concurrency` says otherwise."""

    def __init__(self, *answers: object, concurrency: int = 1) -> None:
        self.clock = FakeClock(NOW)
        self.source = ScriptedSource(*answers)
        self.points = InMemoryDataPointRepository()
        self.tx = InMemoryTransactionManager()
        self.populate = PopulateDataPoints(
            self.source, self.points, DecodingRules(), self.clock, self.tx, FetchPolicy(concurrency)
        )
        self.list = ListDataPoints(self.points)
        self.summarize = SummarizeDataPoints(self.points, self.clock)


async def test_populate_stores_lists_and_single_points_and_counts_duplicates() -> None:
    kit = Kit([pt(-3), pt(-2)], pt(-1), pt(-1))
    report = await kit.populate(PopulateCommand(count=3))
    assert (report.fetched, report.stored, report.duplicates, report.rejected_count) == (4, 3, 1, 0)
    assert kit.tx.commits == 1
    assert kit.source.calls == 3


async def test_populate_rejects_bad_points_with_reason_and_raw() -> None:
    kit = Kit([pt(-1), {"time": NOW.timestamp(), "value": [1, 2, 3], "tags": []}, "junk"])
    report = await kit.populate(PopulateCommand())
    assert (report.fetched, report.stored, report.rejected_count) == (3, 1, 2)
    assert "exactly 4 bytes" in report.rejected[0].reason
    assert '"value": [1, 2, 3]' in (report.rejected[0].raw or "")
    assert report.rejected[1].raw == '"junk"'


async def test_a_non_json_or_odd_answer_is_one_rejection() -> None:
    kit = Kit(UpstreamMalformed("the upstream answer is not JSON", "<html>"), 42, pt(-1))
    report = await kit.populate(PopulateCommand(count=3))
    assert (report.fetched, report.stored, report.rejected_count) == (3, 1, 2)
    assert [r.raw for r in report.rejected] == ["<html>", "42"]


async def test_upstream_down_at_once_fails_and_stores_nothing() -> None:
    kit = Kit(UpstreamUnavailable("the upstream timed out"))
    with pytest.raises(UpstreamUnavailable):
        await kit.populate(PopulateCommand(count=5))
    assert kit.tx.commits == 0
    assert kit.source.calls == 1


async def test_upstream_down_later_keeps_what_was_fetched() -> None:
    kit = Kit(pt(-1), UpstreamUnavailable("the upstream answered HTTP 503"))
    report = await kit.populate(PopulateCommand(count=5))
    assert report.stored == 1
    assert kit.source.calls == 2
    assert report.upstream_error == "fetch 2 of 5: the upstream answered HTTP 503"


@pytest.mark.parametrize("count", [0, -1, 1001])
async def test_populate_count_is_bounded(count: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        await Kit(pt(0)).populate(PopulateCommand(count))
    assert caught.value.errors[0].field == "count"


async def seeded() -> Kit:
    kit = Kit([pt(-300 + i, [i, 0, 128, 63], ["system"] if i % 3 == 0 else []) for i in range(10)])
    await kit.populate(PopulateCommand())
    return kit


async def test_users_see_valid_points_only_and_may_not_ask_for_invalid() -> None:
    kit = await seeded()
    page = await kit.list(ListDataPointsQuery(is_admin=False))
    assert len(page.items) == 6
    assert all(p.valid for p in page.items)
    assert len((await kit.list(ListDataPointsQuery(is_admin=False, valid=True))).items) == 6
    with pytest.raises(PermissionDenied):
        await kit.list(ListDataPointsQuery(is_admin=False, valid=False))


async def test_admin_sees_all_and_filters() -> None:
    kit = await seeded()
    assert len((await kit.list(ListDataPointsQuery(is_admin=True))).items) == 10
    invalid = await kit.list(ListDataPointsQuery(is_admin=True, valid=False))
    assert len(invalid.items) == 4
    assert not any(p.valid for p in invalid.items)


async def test_cursor_pages_through_everything_in_order() -> None:
    kit = await seeded()
    seen, cursor = [], None
    while True:
        page = await kit.list(ListDataPointsQuery(is_admin=True, limit=3, cursor=cursor))
        seen += page.items
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == 10
    assert [p.time for p in seen] == sorted(p.time for p in seen)


async def test_skip_limit_and_range() -> None:
    kit = await seeded()
    page = await kit.list(ListDataPointsQuery(is_admin=True, skip=8, limit=5))
    assert len(page.items) == 2
    assert page.next_cursor is None
    start = (NOW - timedelta(seconds=296)).isoformat()
    end = (NOW - timedelta(seconds=293)).isoformat()
    ranged = await kit.list(ListDataPointsQuery(is_admin=True, start=start, end=end))
    assert len(ranged.items) == 3


async def test_list_names_every_bad_field() -> None:
    kit = await seeded()
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


async def test_stats_per_bucket() -> None:
    kit = await seeded()
    summary = await kit.summarize(SummarizeQuery(is_admin=False, bucket="minute"))
    assert sum(b.count for b in summary.buckets) == 6
    assert all(b.min <= b.mean <= b.max for b in summary.buckets)
    assert summary.end == NOW
    assert summary.start == NOW - timedelta(days=1)
    everything = await kit.summarize(SummarizeQuery(is_admin=True, bucket="hour"))
    assert [b.count for b in everything.buckets] == [10]


async def test_stats_refuses_bad_input() -> None:
    kit = await seeded()
    with pytest.raises(InvalidInput):
        await kit.summarize(SummarizeQuery(is_admin=True, bucket="week"))
    with pytest.raises(InvalidInput):
        await kit.summarize(
            SummarizeQuery(is_admin=True, bucket="minute", start="2020-01-01T00:00:00Z")
        )
    with pytest.raises(PermissionDenied):
        await kit.summarize(SummarizeQuery(is_admin=False, valid=False))
