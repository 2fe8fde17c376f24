"""The documentation holds together: every relative link in README.md and docs/ points at
a file that exists (and at a heading that exists, for `#anchors`), and
docs/dependencies.md explains exactly the packages pyproject.toml names."""

import re
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def outside_code_blocks(markdown: str) -> str:
    return re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)


def prose(markdown: str) -> str:
    """The text outside code blocks and inline code, where links are links."""
    return re.sub(r"`[^`\n]*`", "", outside_code_blocks(markdown))


def anchors(markdown: str) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, and a
    numeric suffix for repeats."""
    seen: Counter[str] = Counter()
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", outside_code_blocks(markdown), re.MULTILINE):
        raw = re.sub(r"`([^`]*)`", r"\1", heading)
        slug = re.sub(r"[^\w\- ]", "", raw.strip().lower()).replace(" ", "-")
        found.add(f"{slug}-{seen[slug]}" if seen[slug] else slug)
        seen[slug] += 1
    return found


def resolves(page: Path, target: str) -> bool:
    path, _, anchor = target.partition("#")
    file = (page.parent / path).resolve() if path else page
    if not file.exists():
        return False
    return not anchor or (file.suffix == ".md" and anchor in anchors(file.read_text()))


def broken_links(page: Path) -> list[str]:
    """Relative links of `page` that lead nowhere (http:, https:, mailto: are not checked)."""
    return [
        target
        for target in LINK.findall(prose(page.read_text()))
        if not re.match(r"[a-z]+:", target) and not resolves(page, target)
    ]


def test_headings_become_githubs_anchors() -> None:
    text = "# Using the API\n## 1. Timed sends: due time -> provider\n## Deep `skip`\n## A\n## A\n"
    assert anchors(text) == {
        "using-the-api",
        "1-timed-sends-due-time---provider",
        "deep-skip",
        "a",
        "a-1",
    }


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Here\n[ok](#here) [gone](missing.md) [no anchor](#there) `[code](x)`\n")
    assert broken_links(page) == ["missing.md", "#there"]


def test_every_relative_link_resolves() -> None:
    broken = {str(p.relative_to(ROOT)): b for p in PAGES if (b := broken_links(p))}
    assert broken == {}


def package(spec: str) -> str:
    """`litestar[standard]>=2.25,<3` -> `litestar[standard]`."""
    match = re.match(r"[\w.\-]+(\[[^\]]*\])?", spec)
    assert match, spec
    return match.group(0)


def test_dependencies_md_lists_exactly_the_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    specs = project["project"]["dependencies"] + project["dependency-groups"]["dev"]
    declared = {package(spec) for spec in specs}
    table = (ROOT / "docs" / "dependencies.md").read_text()
    explained = set(re.findall(r"^\| `([^`]+)` \|", table, re.MULTILINE))
    assert sorted(declared - explained) == [], "explain these in docs/dependencies.md"
    assert sorted(explained - declared) == [], "docs/dependencies.md names packages not used"
