"""The capability map in docs/architecture.md matches the tree: every module under src/
and every test file is listed (by its path, a folder ending in `/`, or a `*` pattern), and
every listed path exists."""

import re
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def listed_paths(text: str) -> list[str]:
    """The first cell of each table row of the "The capability map" section."""
    section = text.split("\n## The capability map\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", section, re.MULTILINE)


def covers(entry: str, path: str) -> bool:
    if entry.endswith("/"):
        return path.startswith(entry)
    return fnmatch(path, entry) if "*" in entry else path == entry


def tree() -> list[str]:
    """Every module under src/ (an empty package marker says nothing) and every test file."""
    modules = [p for p in (ROOT / "src").rglob("*.py") if p.name != "__init__.py" or p.read_text()]
    tests = [p for p in (ROOT / "tests").rglob("*.py") if p.name != "__init__.py"]
    return sorted(str(p.relative_to(ROOT)) for p in modules + tests)


def test_the_map_is_read() -> None:
    entries = listed_paths(ARCHITECTURE.read_text())
    assert "src/domain/notifications.py" in entries
    assert covers("tests/unit/test_accounts_*.py", "tests/unit/test_accounts_domain.py")
    assert not covers("src/adapters/sql/migrations/versions/", "src/adapters/sql/database.py")


def test_every_listed_path_exists() -> None:
    missing = [
        entry
        for entry in listed_paths(ARCHITECTURE.read_text())
        if not (list(ROOT.glob(entry)) if "*" in entry else (ROOT / entry).exists())
    ]
    assert missing == [], "listed in docs/architecture.md but not in the tree"


def test_every_module_and_test_is_listed() -> None:
    entries = listed_paths(ARCHITECTURE.read_text())
    unlisted = [path for path in tree() if not any(covers(e, path) for e in entries)]
    assert unlisted == [], "add these to the capability map in docs/architecture.md"


def test_no_path_is_listed_twice() -> None:
    entries = listed_paths(ARCHITECTURE.read_text())
    assert sorted({e for e in entries if entries.count(e) > 1}) == []
