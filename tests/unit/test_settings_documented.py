"""Every setting Herald reads is in docs/operations.md's table, and the table names none
that Herald does not read."""

import re
from pathlib import Path

from entrypoints.settings import PREFIX, Settings

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_the_settings_table_lists_exactly_the_settings() -> None:
    table_rows = [line for line in OPERATIONS.read_text().splitlines() if line.startswith("| `")]
    documented = {m.group(1) for row in table_rows if (m := re.match(r"\| `(HERALD_\w+)`", row))}
    read = {PREFIX + name.upper() for name in Settings.__struct_fields__}
    assert sorted(read - documented) == [], "settings missing from docs/operations.md"
    assert sorted(documented - read) == [], "docs/operations.md names settings Herald ignores"
