"""Time-ordered UUIDs (RFC 9562 version 7); the standard library gains uuid7 only in 3.14."""

import os
import time
import uuid


def new_id() -> uuid.UUID:
    return _uuid(_fresh())


def _fresh() -> int:
    """A version-7 id as an integer: the Unix time in ms, then 74 random bits."""
    unix_ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big") & _RANDOM_BITS
    return (unix_ms & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | 0x2 << 62 | rand


_RANDOM_BITS = ((1 << 80) - 1) & ~(0xF << 76) & ~(0x3 << 62)
_UNKNOWN = uuid.SafeUUID.unknown  # an enum lookup per id costs more than the rest


def new_ids(count: int) -> list[uuid.UUID]:
    """`count` version-7 UUIDs sharing one timestamp, from one read of the OS's randomness
    (bulk ingestion makes thousands at a time)."""
    unix_ms = time.time_ns() // 1_000_000
    prefix = (unix_ms & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | 0x2 << 62
    pool = os.urandom(10 * count)
    from_bytes = int.from_bytes
    return [
        _uuid(prefix | (from_bytes(pool[i : i + 10], "big") & _RANDOM_BITS))
        for i in range(0, 10 * count, 10)
    ]


def _uuid(value: int) -> uuid.UUID:
    # What UUID.__init__ ends with, minus its argument checks: a third of the cost.
    made = object.__new__(uuid.UUID)
    object.__setattr__(made, "int", value)
    object.__setattr__(made, "is_safe", _UNKNOWN)
    return made


class MonotonicIds:
    """Version-7 UUIDs that grow strictly within one process, even several in one
    millisecond (RFC 9562, 6.2, method 3: the next id after the last one): what pages and
    catches up by id, such as the messages of a conversation, need to see them in the
    order they were made."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> uuid.UUID:
        value = _fresh()
        if value <= self._last:
            value = self._last + 1
            if value & 0x3 << 62 != 0x2 << 62:  # the random bits ran over: the next ms
                unix_ms = (self._last >> 80) + 1
                value = unix_ms << 80 | 0x7 << 76 | 0x2 << 62
        self._last = value
        return _uuid(value)
