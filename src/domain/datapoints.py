"""Data points from the external source: decoding, validity, queries and page keys.

An upstream point is `{"time": <Unix seconds>, "value": [b0, b1, b2, b3], "tags": [...]}`.
`value` holds the four bytes of an IEEE 754 float32 (little-endian unless configured
otherwise). A point is invalid when tagged `system` or `suspect`, or when it is older
than the maximum age at ingestion; an old point gets the tag `too old` (once).
"""

from __future__ import annotations

import enum
import json
import math
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from uuid import UUID

from domain.errors import InvalidValue
from domain.ids import new_id, new_ids

SYSTEM_TAG = "system"
SUSPECT_TAG = "suspect"
TOO_OLD_TAG = "too old"
INVALIDATING_TAGS = frozenset({SYSTEM_TAG, SUSPECT_TAG})

# Sanity range of `time`: nothing before 2000, nothing more than a day ahead of us.
MIN_TIME = datetime(2000, 1, 1, tzinfo=UTC)
MAX_AHEAD = timedelta(days=1)
MAX_TAGS = 16
MAX_TAG_LENGTH = 64
MAX_POINTS_PER_FETCH = 10_000
RAW_PREVIEW_CHARS = 200

_MIN_SECONDS = MIN_TIME.timestamp()


class ByteOrder(enum.StrEnum):
    LITTLE = "little"
    BIG = "big"


_FLOAT32 = {ByteOrder.LITTLE: struct.Struct("<f"), ByteOrder.BIG: struct.Struct(">f")}


class DataPoint(NamedTuple):
    """A decoded point. A named tuple rather than a frozen dataclass, like PointReading:
    ingestion builds 100,000 a second, and a frozen dataclass's __init__ costs three
    times as much."""

    id: UUID
    time: datetime
    value: float
    raw: bytes  # the four upstream bytes; with `time` they make a point unique
    valid: bool
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rejection:
    """A point (or a whole upstream answer) that could not be used, and why."""

    reason: str
    raw: str | None  # the offending JSON, truncated


@dataclass(frozen=True, slots=True)
class DecodingRules:
    byte_order: ByteOrder = ByteOrder.LITTLE
    max_age: timedelta = timedelta(hours=1)


def preview(fragment: object) -> str:
    """The JSON text of a fragment, cut to a size fit for a report or a log line."""
    try:
        text = json.dumps(fragment, ensure_ascii=False, allow_nan=True, default=repr)
    except (TypeError, ValueError, RecursionError):
        text = repr(fragment)
    return cut(text)


def cut(text: str) -> str:
    return text if len(text) <= RAW_PREVIEW_CHARS else text[: RAW_PREVIEW_CHARS - 1] + "…"


def split_payload(document: object) -> list[object]:
    """An upstream answer is one point (an object) or a list of points."""
    if isinstance(document, dict):
        return [document]
    if isinstance(document, list):
        if len(document) > MAX_POINTS_PER_FETCH:
            raise InvalidValue(f"more than {MAX_POINTS_PER_FETCH} points in one answer")
        return document
    raise InvalidValue("expected a point object or a list of points")


def decode_point(item: object, rules: DecodingRules, now: datetime) -> DataPoint:
    """Decode one upstream point; raises InvalidValue naming what is wrong with it."""
    if not isinstance(item, dict):
        raise InvalidValue("a point must be a JSON object")
    time = _decode_time(item.get("time", _MISSING), now)
    raw = _decode_bytes(item.get("value", _MISSING))
    (value,) = _FLOAT32[rules.byte_order].unpack(raw)
    if not math.isfinite(value):
        raise InvalidValue("value: the bytes decode to NaN or infinity")
    tags = _decode_tags(item.get("tags", _MISSING))
    too_old = now - time > rules.max_age
    if too_old and TOO_OLD_TAG not in tags:
        tags = (*tags, TOO_OLD_TAG)
    valid = not too_old and INVALIDATING_TAGS.isdisjoint(tags)
    return DataPoint(id=new_id(), time=time, value=value, raw=raw, valid=valid, tags=tags)


def decode_points(
    items: list[object], rules: DecodingRules, now: datetime
) -> tuple[list[DataPoint], list[tuple[object, str]]]:
    """Decode a batch: the points, and each refused item with its reason.

    Same rules as decode_point; well-formed items take an inlined path (bulk ingestion
    runs at 100,000+ points a second), anything else goes through decode_point for the
    detailed reason.
    """
    unpack = _FLOAT32[rules.byte_order].unpack
    latest = (now + MAX_AHEAD).timestamp()
    oldest = now - rules.max_age
    from_timestamp = datetime.fromtimestamp
    points: list[DataPoint] = []
    refused: list[tuple[object, str]] = []
    for item, ident in zip(items, new_ids(len(items)), strict=True):
        try:
            t = item["time"]  # type: ignore[index]
            v = item["value"]  # type: ignore[index]
            tags = item["tags"]  # type: ignore[index]
            if (
                (type(t) is int or type(t) is float)
                and _MIN_SECONDS <= t <= latest
                and type(v) is list
                and len(v) == 4
                and type(v[0]) is int
                and type(v[1]) is int
                and type(v[2]) is int
                and type(v[3]) is int
                and type(tags) is list
            ):
                raw = bytes(v)  # ValueError outside 0-255
                (value,) = unpack(raw)
                if value - value == 0.0:  # finite: NaN and infinity give NaN
                    tag_tuple: tuple[str, ...] = () if not tags else _fast_tags(tags)
                    time = from_timestamp(t, UTC)
                    if time < oldest:
                        if TOO_OLD_TAG not in tag_tuple:
                            tag_tuple = (*tag_tuple, TOO_OLD_TAG)
                        valid = False
                    else:
                        valid = not tag_tuple or INVALIDATING_TAGS.isdisjoint(tag_tuple)
                    points.append(DataPoint(ident, time, value, raw, valid, tag_tuple))
                    continue
        except (KeyError, TypeError, ValueError, InvalidValue):
            pass
        try:
            points.append(decode_point(item, rules, now))
        except InvalidValue as exc:
            refused.append((item, exc.message))
    return points, refused


def _fast_tags(tags: list[object]) -> tuple[str, ...]:
    if len(tags) <= MAX_TAGS and all(
        type(tag) is str and 0 < len(tag) <= MAX_TAG_LENGTH for tag in tags
    ):
        return tuple(dict.fromkeys(tags))  # type: ignore[arg-type]
    raise InvalidValue("tags")  # decode_point names the problem


_MISSING = object()


def _decode_time(raw: object, now: datetime) -> datetime:
    if raw is _MISSING:
        raise InvalidValue("time: missing")
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InvalidValue("time: must be Unix seconds (a number)")
    if isinstance(raw, float) and not math.isfinite(raw):
        raise InvalidValue("time: must be a finite number")
    if raw < _MIN_SECONDS or raw > (now + MAX_AHEAD).timestamp():
        raise InvalidValue("time: outside the accepted range (2000-01-01 to one day ahead)")
    return datetime.fromtimestamp(raw, UTC)


def _decode_bytes(raw: object) -> bytes:
    if raw is _MISSING:
        raise InvalidValue("value: missing")
    if not isinstance(raw, list):
        raise InvalidValue("value: must be a list of four bytes")
    if len(raw) != 4:
        raise InvalidValue(f"value: must hold exactly 4 bytes, got {len(raw)}")
    for byte in raw:
        if isinstance(byte, bool) or not isinstance(byte, int):
            raise InvalidValue("value: every byte must be an integer")
        if not 0 <= byte <= 255:
            raise InvalidValue(f"value: byte {byte} is outside 0-255")
    return bytes(raw)


def _decode_tags(raw: object) -> tuple[str, ...]:
    if raw is _MISSING:
        raise InvalidValue("tags: missing")
    if not isinstance(raw, list):
        raise InvalidValue("tags: must be a list of strings")
    if len(raw) > MAX_TAGS:
        raise InvalidValue(f"tags: at most {MAX_TAGS}")
    for tag in raw:
        if not isinstance(tag, str):
            raise InvalidValue("tags: every tag must be a string")
        if not 0 < len(tag) <= MAX_TAG_LENGTH:
            raise InvalidValue(f"tags: each must be 1 to {MAX_TAG_LENGTH} characters")
    return tuple(dict.fromkeys(raw))  # drop repeats, keep order


# --- reading -------------------------------------------------------------------------

MAX_SKIP = 1_000_000  # OFFSET cost grows with it; the cursor is the way to go deep
MAX_BUCKETS = 10_000


class Bucket(enum.StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"

    @property
    def seconds(self) -> int:
        return {"minute": 60, "hour": 3600, "day": 86400}[self.value]

    @property
    def default_span(self) -> timedelta:
        return {
            "minute": timedelta(days=1),
            "hour": timedelta(days=30),
            "day": timedelta(days=365),
        }[self.value]


@dataclass(frozen=True, slots=True)
class PageKey:
    """Where a page ends: the (time, id) of its last point."""

    time: datetime
    id: UUID


@dataclass(frozen=True, slots=True)
class PageQuery:
    start: datetime | None
    end: datetime | None  # exclusive
    valid: bool | None  # None: valid and invalid
    limit: int
    skip: int = 0
    after: PageKey | None = None


class PointReading(NamedTuple):
    """A stored point as readers see it. A named tuple rather than a frozen dataclass:
    still immutable, and pages build up to a thousand per request, where a frozen
    dataclass's __init__ costs three times as much."""

    time: datetime
    value: float
    valid: bool
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PointPage:
    items: list[PointReading]
    next_key: PageKey | None  # where the next page starts; None on the last page


@dataclass(frozen=True, slots=True)
class StatsQuery:
    start: datetime
    end: datetime  # exclusive
    bucket: Bucket
    valid: bool | None


@dataclass(frozen=True, slots=True)
class BucketStats:
    start: datetime
    count: int
    min: float
    max: float
    mean: float
