from dataclasses import dataclass, field

from application.allocation import gc_paused
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
from domain.errors import FieldErrors, InvalidValue, UpstreamUnavailable

MAX_FETCHES = 1000
MAX_REPORTED_REJECTIONS = 100


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

    Rules: 1 <= count <= 1000. A bad point (or a whole answer that is not JSON, or not a
    point or a list of points) is rejected with its reason and counted, never fatal.
    A point whose time and bytes are already stored is a duplicate: counted, not stored.
    When the upstream fails (unreachable, timeout, error status) before any answer, the
    whole call fails with UpstreamUnavailable and nothing is stored; when it fails later,
    fetching stops, what was fetched is stored and the report names the failure.
    """

    def __init__(
        self,
        source: DataSource,
        points: DataPointRepository,
        rules: DecodingRules,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._source = source
        self._points = points
        self._rules = rules
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: PopulateCommand) -> IngestionReport:
        errors = FieldErrors()
        if not 1 <= cmd.count <= MAX_FETCHES:
            errors.add("count", f"must be between 1 and {MAX_FETCHES}")
        errors.raise_if_any()

        decoded: list[DataPoint] = []
        rejected: list[Rejection] = []
        fetched = 0
        upstream_error: str | None = None
        for attempt in range(cmd.count):
            try:
                document = await self._source.fetch()
            except UpstreamMalformed as exc:
                fetched += 1
                rejected.append(Rejection(exc.message, exc.raw))
                continue
            except UpstreamUnavailable as exc:
                if attempt == 0:
                    raise
                upstream_error = f"fetch {attempt + 1} of {cmd.count}: {exc.message}"
                break
            try:
                items = split_payload(document)
            except InvalidValue as exc:
                fetched += 1
                rejected.append(Rejection(exc.message, preview(document)))
                continue
            fetched += len(items)
            with gc_paused():
                points, refused = decode_points(items, self._rules, self._clock.now())
            decoded += points
            rejected += [Rejection(reason, preview(item)) for item, reason in refused]

        stored = await self._points.add_many(decoded) if decoded else 0
        await self._tx.commit()
        return IngestionReport(
            fetched=fetched,
            stored=stored,
            duplicates=len(decoded) - stored,
            rejected_count=len(rejected),
            rejected=rejected[:MAX_REPORTED_REJECTIONS],
            upstream_error=upstream_error,
        )
