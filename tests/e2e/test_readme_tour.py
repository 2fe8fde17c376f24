"""The README's quick tour works when pasted: its commands run, in order, in one bash
session against a real `herald serve` (the embedded default) on a free port, and each
exits 0 and answers what its `# =>` lines say.

Two things differ from a reader's terminal, and only these: the tour's `API=` line points
at the test's port, and `python3 -m uv run herald` is this interpreter's `herald` (the
test already runs inside the project's environment)."""

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.processes import ROOT, free_port, herald_env, running, wait_http

pytestmark = pytest.mark.e2e

README = ROOT / "README.md"
API_LINE = "API=http://127.0.0.1:8000"
HERALD_COMMAND = "python3 -m uv run herald"
EXPECT = "# => "


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


def tour_steps(readme: str) -> list[Step]:
    """The commands of every sh block under "## Quick tour", each with the fragments its
    `# =>` lines promise."""
    section = readme.split("\n## Quick tour\n", 1)[1].split("\n## ", 1)[0]
    steps: list[Step] = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL):
        for line in block.splitlines():
            if line.startswith(EXPECT):
                assert steps, f"an expectation before any command: {line}"
                steps[-1].expected.append(line.removeprefix(EXPECT))
            elif line.strip() and not line.startswith("#"):
                steps.append(Step(line))
    return steps


def test_the_tour_is_read_as_the_reader_sees_it() -> None:
    steps = tour_steps(README.read_text())
    commands = [step.command for step in steps]
    assert commands[0] == API_LINE
    assert sum(HERALD_COMMAND in c for c in commands) == 1
    # Every call to the API says what it answers; captures fail by themselves (pipefail).
    assert all(step.expected for step in steps if step.command.startswith("curl "))


def test_every_tour_command_works_when_pasted(tmp_path: Path) -> None:
    port = free_port()
    herald = f'"{sys.executable}" -m entrypoints.cli'
    steps = tour_steps(README.read_text())
    out = tmp_path / "out"
    out.mkdir()
    script = ["set -o pipefail"]
    for i, step in enumerate(steps):
        command = step.command.replace(API_LINE, f"API=http://127.0.0.1:{port}")
        command = command.replace(HERALD_COMMAND, herald)
        # Braces, not a subshell: the variables a step sets must reach the next ones.
        script.append(f"{{ {command} ; }} >{out}/{i} 2>&1; echo $? >{out}/{i}.rc")
    env = herald_env()  # no HERALD_* at all, as the README's run command
    with running("serve", "--port", str(port), env=env, cwd=tmp_path, log=tmp_path / "serve.log"):
        assert wait_http(f"http://127.0.0.1:{port}/health/ready").status_code == 200
        subprocess.run(
            ["bash", "-c", "\n".join(script)], env=env, cwd=tmp_path, timeout=120, check=True
        )
    for i, step in enumerate(steps):
        answer = (out / str(i)).read_text()
        rc = (out / f"{i}.rc").read_text().strip()
        assert rc == "0", f"{step.command}\nexited {rc}:\n{answer}"
        for fragment in step.expected:
            assert fragment in answer, f"{step.command}\nanswered:\n{answer}"
