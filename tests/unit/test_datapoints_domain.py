import math
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from domain.datapoints import (
    TOO_OLD_TAG,
    ByteOrder,
    DecodingRules,
    decode_point,
    decode_points,
    preview,
    split_payload,
)
from domain.errors import InvalidValue
from domain.ids import new_id, new_ids
from domain.instants import parse_instant

NOW = datetime(2024, 4, 22, 15, 30, tzinfo=UTC)
RULES = DecodingRules()


def point(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "time": NOW.timestamp() - 60,
        "value": [157, 42, 76, 190],
        "tags": [],
    }
    base.update(fields)
    return base


@pytest.mark.parametrize(
    ("raw", "expected"),
    [([157, 42, 76, 190], -0.19938130676746368), ([7, 76, 109, 190], -0.23173533380031586)],
)
def test_value_is_little_endian_float32(raw: list[int], expected: float) -> None:
    assert decode_point(point(value=raw), RULES, NOW).value == expected


def test_byte_order_is_a_setting() -> None:
    big = DecodingRules(byte_order=ByteOrder.BIG)
    assert decode_point(point(value=[190, 76, 42, 157]), big, NOW).value == -0.19938130676746368


def test_time_is_unix_seconds_in_utc() -> None:
    decoded = decode_point(point(time=1713798477), RULES, datetime(2024, 4, 22, 15, 10, tzinfo=UTC))
    assert decoded.time == datetime(2024, 4, 22, 15, 7, 57, tzinfo=UTC)
    fractional = decode_point(point(time=1713798477.25), RULES, NOW)
    assert fractional.time.microsecond == 250_000
    assert fractional.time.tzinfo is UTC


def test_fresh_untagged_point_is_valid_and_keeps_its_bytes() -> None:
    decoded = decode_point(point(tags=["sensor-1"]), RULES, NOW)
    assert decoded.valid
    assert decoded.tags == ("sensor-1",)
    assert decoded.raw == bytes([157, 42, 76, 190])


@pytest.mark.parametrize("tag", ["system", "suspect"])
def test_system_or_suspect_makes_it_invalid(tag: str) -> None:
    decoded = decode_point(point(tags=["x", tag]), RULES, NOW)
    assert not decoded.valid
    assert TOO_OLD_TAG not in decoded.tags


def test_too_old_is_invalid_and_tagged_once() -> None:
    old = NOW.timestamp() - 3601
    decoded = decode_point(point(time=old), RULES, NOW)
    assert not decoded.valid
    assert decoded.tags == (TOO_OLD_TAG,)
    again = decode_point(point(time=old, tags=[TOO_OLD_TAG]), RULES, NOW)
    assert again.tags == (TOO_OLD_TAG,)
    assert decode_point(point(time=old), DecodingRules(max_age=timedelta(hours=2)), NOW).valid


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ("nope", "must be a JSON object"),
        (point(value=[1, 2, 3]), "exactly 4 bytes, got 3"),
        (point(value=[1, 2, 3, 4, 5]), "exactly 4 bytes, got 5"),
        (point(value=[1, 2, 3, 256]), "byte 256 is outside 0-255"),
        (point(value=[-1, 2, 3, 4]), "byte -1 is outside 0-255"),
        (point(value=[1, 2, 3, "4"]), "every byte must be an integer"),
        (point(value=[1, 2, 3, 4.0]), "every byte must be an integer"),
        (point(value=[1, 2, 3, True]), "every byte must be an integer"),
        (point(value="AQID"), "must be a list of four bytes"),
        (point(value=[0, 0, 192, 127]), "NaN or infinity"),  # NaN
        (point(value=[0, 0, 128, 127]), "NaN or infinity"),  # +infinity
        ({"value": [1, 2, 3, 4], "tags": []}, "time: missing"),
        ({"time": NOW.timestamp(), "tags": []}, "value: missing"),
        ({"time": NOW.timestamp(), "value": [1, 2, 3, 4]}, "tags: missing"),
        (point(time="1713798477"), "must be Unix seconds"),
        (point(time=True), "must be Unix seconds"),
        (point(time=float("nan")), "finite"),
        (point(time=10**400), "outside the accepted range"),
        (point(time=0), "outside the accepted range"),
        (point(time=NOW.timestamp() + 2 * 86400), "outside the accepted range"),
        (point(tags="system"), "list of strings"),
        (point(tags=[1]), "must be a string"),
        (point(tags=[""]), "1 to 64 characters"),
        (point(tags=[str(i) for i in range(17)]), "at most 16"),
    ],
)
def test_bad_points_are_refused_with_a_reason(item: object, reason: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        decode_point(item, RULES, NOW)
    assert reason in caught.value.message


def test_payload_is_a_point_or_a_list() -> None:
    assert split_payload({"a": 1}) == [{"a": 1}]
    assert split_payload([1, 2]) == [1, 2]
    for bad in ("text", 3, None):
        with pytest.raises(InvalidValue):
            split_payload(bad)


def test_preview_is_json_and_bounded() -> None:
    assert preview({"time": 1}) == '{"time": 1}'
    assert len(preview("x" * 5000)) == 200
    assert preview(math.nan) == "NaN"


def test_parse_instant() -> None:
    assert parse_instant("2024-04-22T15:07:57Z") == datetime(2024, 4, 22, 15, 7, 57, tzinfo=UTC)
    assert parse_instant("2024-04-22T17:07:57+02:00").hour == 15
    for bad in ("2024-04-22T15:07:57", "yesterday", "2024-13-01T00:00:00Z"):
        with pytest.raises(InvalidValue):
            parse_instant(bad)


def test_batch_decoding_agrees_with_single_decoding() -> None:
    old = NOW.timestamp() - 7200
    items: list[object] = [
        point(),
        point(time=1713798477.25, tags=["a", "a", "system"]),
        point(time=old),
        point(time=old, tags=["too old"]),
        point(tags=["suspect"]),
        point(value=[1, 2, 3, True]),
        point(value=[1, 2, 3, 256]),
        point(value=[0, 0, 192, 127]),
        point(time=float("nan")),
        point(tags=[""]),
        {"time": NOW.timestamp()},
        "junk",
    ]
    for rules in (RULES, DecodingRules(byte_order=ByteOrder.BIG, max_age=timedelta(days=9000))):
        points, refused = decode_points(items, rules, NOW)
        expected, reasons = [], []
        for item in items:
            try:
                expected.append(decode_point(item, rules, NOW))
            except InvalidValue as exc:
                reasons.append((item, exc.message))
        assert [(p.time, p.value, p.raw, p.valid, p.tags) for p in points] == [
            (p.time, p.value, p.raw, p.valid, p.tags) for p in expected
        ]
        assert refused == reasons
        assert len({p.id for p in points}) == len(points)


def test_bulk_ids_are_distinct_version_7_uuids() -> None:
    ids = new_ids(1000)
    assert len(set(ids)) == 1000
    assert {(u.version, u.variant) for u in ids} == {(7, "specified in RFC 4122")}
    assert all(u == UUID(str(u)) for u in ids[:10])
    assert abs((ids[0].int >> 80) - (new_id().int >> 80)) < 5000  # the same millisecond clock
