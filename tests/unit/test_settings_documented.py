"""Every setting Herald reads is in docs/operations.md's table, under the heading of the
group that reads it, and the table names none that Herald does not read."""

import re
from pathlib import Path

from entrypoints.settings import PREFIX, Settings

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def _documented() -> dict[str, str]:
    """Each variable of the table and the group (`settings.<group>`) it is listed under."""
    groups: dict[str, str] = {}
    group = ""
    for line in OPERATIONS.read_text().splitlines():
        if heading := re.match(r"\| \*\*[^*]+\*\* \(`settings\.(\w+)`\) \|", line):
            group = heading.group(1)
        elif variable := re.match(r"\| `(HERALD_\w+)`", line):
            groups[variable.group(1)] = group
    return groups


def _read() -> dict[str, str]:
    """Each variable Herald reads and the group that reads it."""
    return {
        PREFIX + name.upper(): group_name
        for group_name, group in zip(Settings.__struct_fields__, Settings().groups(), strict=True)
        for name in type(group).__struct_encode_fields__
    }


def test_the_settings_table_lists_exactly_the_settings() -> None:
    documented, read = _documented(), _read()
    assert sorted(read.keys() - documented.keys()) == [], "settings missing from docs/operations.md"
    assert sorted(documented.keys() - read.keys()) == [], (
        "docs/operations.md names settings Herald ignores"
    )


def test_each_setting_is_listed_under_its_group() -> None:
    documented = _documented()
    misplaced = {name: group for name, group in _read().items() if documented.get(name) != group}
    assert misplaced == {}, "listed under another group in docs/operations.md"
