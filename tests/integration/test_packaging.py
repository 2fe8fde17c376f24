"""alembic.ini finds the migrations both from a checkout and beside an installed Herald (the
image has alembic.ini and the installed packages, no src/), and `herald --version` is the
installed version."""

import os
import shutil
import sqlite3
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{command}: {result.stderr}"
    return result.stdout


def _uv() -> str:
    binary = os.environ.get("UV") or shutil.which("uv")  # `uv run` names itself in UV
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("uv is not on PATH")
        pytest.skip("uv is not on PATH")
    return binary


def _check_migrations(bin_dir: Path, ini: Path, tmp_path: Path) -> None:
    listed = _run(bin_dir / "alembic", "heads", cwd=ini.parent).splitlines()
    heads = {line.split()[0] for line in listed if line.strip()}
    assert heads
    database = tmp_path / "migrated.db"
    _run(
        bin_dir / "alembic",
        "upgrade",
        "heads",
        cwd=ini.parent,
        env={"HERALD_DATABASE_URL": f"sqlite+aiosqlite:///{database}"},
    )
    with sqlite3.connect(database) as db:
        assert {row[0] for row in db.execute("SELECT version_num FROM alembic_version")} == heads


def test_alembic_from_the_checkout(tmp_path: Path) -> None:
    _check_migrations(Path(sys.executable).parent, ROOT / "alembic.ini", tmp_path)


def test_alembic_and_version_from_an_installed_wheel(tmp_path: Path) -> None:
    """As in the image: the wheel and the locked dependencies (from uv's cache, offline) in
    a fresh virtualenv, and alembic.ini alone in the working directory."""
    uv = _uv()
    _run(uv, "build", "--wheel", "--offline", "-q", "-o", tmp_path / "dist", cwd=ROOT)
    (wheel,) = (tmp_path / "dist").glob("herald-*.whl")
    lock = tmp_path / "pylock.toml"
    export = ("export", "--frozen", "--no-dev", "--no-emit-project", "--format", "pylock.toml")
    _run(uv, *export, "-q", "-o", lock, cwd=ROOT)
    venv = tmp_path / "venv"
    _run(uv, "venv", "-q", venv, cwd=tmp_path)
    python = ("--python", venv / "bin" / "python")
    _run(uv, "pip", "install", "-q", "--offline", *python, "-r", lock, cwd=tmp_path)
    _run(uv, "pip", "install", "-q", "--offline", "--no-deps", *python, wheel, cwd=tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "alembic.ini", work)

    _check_migrations(venv / "bin", work / "alembic.ini", tmp_path)
    printed = _run(venv / "bin" / "herald", "--version", cwd=work)
    assert printed == f"herald {version('herald')}\n"
