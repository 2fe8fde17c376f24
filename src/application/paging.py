"""Paging, the same for every list: bounded limits, opaque cursors and `Page[T]`.

A cursor is the unpadded base64url text of a compact key, where the previous page
ended; clients pass it back unchanged and never read it. One that does not decode
(hand-made, cut short, from another list) is a bad field like any other, so a user gets
a 422 naming `cursor`, never a 500.
"""

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

from domain.errors import InvalidValue

T = TypeVar("T")
K = TypeVar("K")

BAD_CURSOR = "is not a cursor this API returned"


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None  # pass it back for the next page; None on the last page


@dataclass(frozen=True, slots=True)
class Limits:
    """How many items a page holds: `default` when the caller does not say, at most
    `maximum`, so that no single request reads an unbounded amount."""

    default: int
    maximum: int

    def check(self, limit: int) -> int:
        if not 1 <= limit <= self.maximum:
            raise InvalidValue(f"must be between 1 and {self.maximum}")
        return limit


# Every list's bounds, side by side.
LIMITS = Limits(default=50, maximum=100)  # notifications, the activity view, the dev outbox
POINT_LIMITS = Limits(default=100, maximum=1000)  # data points: the seed API's pages


class CursorCodec(Generic[K]):
    """Turns the key a page ended at into a cursor and back; `load` raises ValueError
    on bytes that are not such a key."""

    def __init__(self, dump: Callable[[K], bytes], load: Callable[[bytes], K]) -> None:
        self._dump = dump
        self._load = load

    def encode(self, key: K | None) -> str | None:
        if key is None:
            return None
        return base64.urlsafe_b64encode(self._dump(key)).decode().rstrip("=")

    def decode(self, cursor: str | None) -> K | None:
        """The key of a cursor this API returned (None for none); InvalidValue otherwise."""
        if cursor is None:
            return None
        try:
            # Strict: characters outside the alphabet are refused rather than skipped.
            raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), b"-_", validate=True)
            return self._load(raw)
        except (ValueError, binascii.Error):  # UnicodeDecodeError is a ValueError
            raise InvalidValue(BAD_CURSOR) from None


def _number(raw: bytes) -> int:
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError("not a number")
    return int(raw)


def key_cursors(check: Callable[[str], str]) -> CursorCodec[str]:
    """Cursors of a list in the order of a text key (the last one of a page), which
    `check` validates as it does the key itself (InvalidValue)."""

    def load(raw: bytes) -> str:
        try:
            return check(raw.decode())
        except InvalidValue as exc:
            raise ValueError(exc.message) from None

    return CursorCodec[str](lambda key: key.encode(), load)


# The id of the last item, for lists ordered by time-ordered (v7) ids.
ID_CURSORS = CursorCodec[UUID](lambda ident: ident.bytes, lambda raw: UUID(bytes=raw))
# The sequence number of the last item.
NUMBER_CURSORS = CursorCodec[int](lambda number: str(number).encode(), _number)


def page_of(
    rows: Sequence[T], limit: int, key: Callable[[T], K], cursors: CursorCodec[K]
) -> Page[T]:
    """A page from up to `limit + 1` rows read: the extra row only tells that another
    page follows, which then starts after the key of this page's last item."""
    items = list(rows[:limit])
    return Page(items, cursors.encode(key(items[-1])) if len(rows) > limit else None)
