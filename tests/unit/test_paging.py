import base64
from datetime import UTC, datetime
from uuid import UUID

import pytest

from application.datapoints.list_points import POINT_CURSORS
from application.paging import ID_CURSORS, LIMITS, NUMBER_CURSORS, CursorCodec, Limits, page_of
from domain.datapoints import PageKey
from domain.errors import InvalidValue

NOW = datetime(2024, 4, 22, 15, 30, tzinfo=UTC)
ID = UUID("01922e7e-0000-7000-8000-000000000001")


def made_up(text: str) -> str:
    """A cursor of the right form around a key this API never wrote."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("codec", "key"),
    [(ID_CURSORS, ID), (NUMBER_CURSORS, 42), (POINT_CURSORS, PageKey(NOW, ID))],
)
def test_cursors_round_trip_and_say_nothing_outright(
    codec: CursorCodec[object], key: object
) -> None:
    cursor = codec.encode(key)
    assert cursor is not None
    assert codec.decode(cursor) == key
    assert "=" not in cursor  # unpadded: it goes into a query string as it is
    assert str(key) not in cursor
    assert codec.encode(None) is None
    assert codec.decode(None) is None


@pytest.mark.parametrize("codec", [ID_CURSORS, NUMBER_CURSORS, POINT_CURSORS])
@pytest.mark.parametrize("garbage", ["", "!!!", "bm90LWEtY3Vyc29y", "é", "AAAA AAAA", "A"])
def test_garbage_is_not_a_cursor(codec: CursorCodec[object], garbage: str) -> None:
    with pytest.raises(InvalidValue, match="is not a cursor this API returned"):
        codec.decode(garbage)


def test_cut_short_or_foreign_cursors_are_refused() -> None:
    points = POINT_CURSORS.encode(PageKey(NOW, ID))
    ids = ID_CURSORS.encode(ID)
    assert points is not None
    assert ids is not None
    for cut in (points[:-3], points[:-1]):
        with pytest.raises(InvalidValue):
            POINT_CURSORS.decode(cut)
    with pytest.raises(InvalidValue):
        ID_CURSORS.decode(ids[:-2])
    with pytest.raises(InvalidValue):  # another list's cursor
        ID_CURSORS.decode(points)
    with pytest.raises(InvalidValue):
        NUMBER_CURSORS.decode(ids)
    with pytest.raises(InvalidValue):  # a time without an offset
        POINT_CURSORS.decode(made_up(f"2024-04-22T15:30:00|{ID}"))
    assert POINT_CURSORS.decode(made_up(f"2024-04-22T15:30:00+00:00|{ID}")) == PageKey(NOW, ID)
    with pytest.raises(InvalidValue):  # not a number, though it decodes
        NUMBER_CURSORS.decode(made_up("-5"))
    assert NUMBER_CURSORS.decode(made_up("5")) == 5


def test_limits_are_bounded() -> None:
    bounds = Limits(default=10, maximum=20)
    assert bounds.check(1) == 1
    assert bounds.check(20) == 20
    for bad in (0, -1, 21):
        with pytest.raises(InvalidValue, match="must be between 1 and 20"):
            bounds.check(bad)
    assert 1 <= LIMITS.default <= LIMITS.maximum


def test_a_page_has_a_cursor_only_when_more_rows_follow() -> None:
    rows = [5, 4, 3]
    full = page_of(rows, 2, lambda n: n, NUMBER_CURSORS)
    assert full.items == [5, 4]
    assert NUMBER_CURSORS.decode(full.next_cursor) == 4
    last = page_of(rows, 3, lambda n: n, NUMBER_CURSORS)
    assert last.items == rows
    assert last.next_cursor is None
    assert page_of([], 3, lambda n: n, NUMBER_CURSORS).items == []
