"""How many slices a fan-out is expanded in: one per 5,000 subscribers, up to the
configured parts, none for nobody."""

import pytest

from application.fanouts.config import FanoutConfig


@pytest.mark.parametrize(
    ("subscribers", "parts"),
    [(0, 0), (1, 1), (5000, 1), (5001, 2), (15_000, 3), (20_000, 4), (100_000, 4)],
)
def test_parts_grow_with_the_audience_up_to_the_setting(subscribers: int, parts: int) -> None:
    assert FanoutConfig(parts=4).parts_for(subscribers) == parts


def test_one_part_when_the_setting_says_one() -> None:
    assert FanoutConfig(parts=1).parts_for(100_000) == 1
