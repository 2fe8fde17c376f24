from dataclasses import dataclass, field

from application.datapoints.ordered_fetches import fetch_in_order
from application.gc_pause import gc_paused
from application.ports.clock import Clock
from application.ports.datapoints import DataPointRepository, DataSource, UpstreamMalformed
from application.ports.transactions import TransactionManager
from domain.datapoints import (
    DataPoint,
    DecodingRules,
    Rejection,
    decode_points,
    preview,
    split_payload,
)
from domain.errors import FieldErrors, InvalidValue

MAX_FETCHES = 1000
MAX_REPORTED_REJECTIONS = 100


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    concurrency: int  # upstream calls of one run in flight at once


@dataclass(frozen=True, slots=True)
class PopulateCommand:
    count: int = 1


@dataclass(frozen=True, slots=True)
class IngestionReport:
    """`fetched` = `stored` + `duplicates` + `rejected_count`; `rejected` lists the first few."""

    fetched: int
    stored: int
    duplicates: int
    rejected_count: int
    rejected: list[Rejection] = field(default_factory=list)
    upstream_error: str | None = None


class PopulateDataPoints:
    """Fetch points from the upstream `count` times, decode them and store them in bulk.

    Rules: 1 <= count <= 1000. Up to `policy.concurrency` fetches run at once; the
    report, and the points stored, keep the order of the fetches. A bad point (or a
    whole answer that is not JSON, or not a point or a list of points) is rejected with
    its reason and counted, never fatal. A point whose time and bytes are already
    stored is a duplicate: counted, not stored. The first fetch that fails (unreachable,
    timeout, error status) ends fetching: none starts after it, those after it still in
    flight are cancelled, and nothing from fetches after it is kept. If it is the first
    fetch, the whole call fails with UpstreamUnavailable and nothing is stored; if it
    is a later one, what the fetches before it gave is stored and the report names the
    failure.
    """

    def __init__(
        self,
        source: DataSource,
        points: DataPointRepository,
        rules: DecodingRules,
        clock: Clock,
        tx: TransactionManager,
        policy: FetchPolicy,
    ) -> None:
        self._source = source
        self._points = points
        self._rules = rules
        self._clock = clock
        self._tx = tx
        self._policy = policy

    async def __call__(self, cmd: PopulateCommand) -> IngestionReport:
        errors = FieldErrors()
        if not 1 <= cmd.count <= MAX_FETCHES:
            errors.add("count", f"must be between 1 and {MAX_FETCHES}")
        errors.raise_if_any()

        intake = _Intake(self._rules, self._clock)
        failure = await fetch_in_order(self._fetch, cmd.count, self._policy.concurrency, intake.add)
        upstream_error: str | None = None
        if failure is not None:
            index, exc = failure
            if index == 0:
                raise exc
            upstream_error = f"fetch {index + 1} of {cmd.count}: {exc.message}"

        decoded = intake.points
        stored = await self._points.add_many(decoded) if decoded else 0
        await self._tx.commit()
        return IngestionReport(
            fetched=intake.fetched,
            stored=stored,
            duplicates=len(decoded) - stored,
            rejected_count=len(intake.rejected),
            rejected=intake.rejected[:MAX_REPORTED_REJECTIONS],
            upstream_error=upstream_error,
        )

    async def _fetch(self) -> object:
        try:
            return await self._source.fetch()
        except UpstreamMalformed as exc:  # one rejected item, not a failure
            return exc


class _Intake:
    """What the upstream's answers gave, taken in the order of the fetches."""

    def __init__(self, rules: DecodingRules, clock: Clock) -> None:
        self._rules = rules
        self._clock = clock
        self.points: list[DataPoint] = []
        self.rejected: list[Rejection] = []
        self.fetched = 0

    def add(self, answer: object) -> None:
        if isinstance(answer, UpstreamMalformed):
            self.fetched += 1
            self.rejected.append(Rejection(answer.message, answer.raw))
            return
        try:
            items = split_payload(answer)
        except InvalidValue as exc:
            self.fetched += 1
            self.rejected.append(Rejection(exc.message, preview(answer)))
            return
        self.fetched += len(items)
        with gc_paused():
            points, refused = decode_points(items, self._rules, self._clock.now())
        self.points += points
        self.rejected += [Rejection(reason, preview(item)) for item, reason in refused]
