"""The guide's messaging example works when pasted: its sh block runs as one bash script
against a real `herald serve` (the embedded default) on a free port, after the guide's
own way to a `$TOKEN` (ann's, from Accounts and tokens), and answers what its comments
say. Only the `API=` address differs from a reader's terminal."""

import re
import subprocess
from pathlib import Path

import pytest

from tests.support.processes import ROOT, free_port, herald_env, running, wait_http

pytestmark = pytest.mark.e2e

GUIDE = ROOT / "docs" / "guide.md"


def messaging_example(guide: str) -> str:
    section = guide.split("\n## Messaging\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    return str(block)


def test_the_messaging_example_works_when_pasted(tmp_path: Path) -> None:
    port = free_port()
    script = "\n".join(
        [
            f"API=http://127.0.0.1:{port}",
            "curl -s $API/auth/signup -H 'content-type: application/json' "
            """-d '{"username": "ann", "password": "correct horse"}' >/dev/null""",
            "TOKEN=$(curl -s $API/auth/login -d 'username=ann&password=correct horse' "
            """| python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')""",
            messaging_example(GUIDE.read_text()),
        ]
    )
    env = herald_env()
    with running("serve", "--port", str(port), env=env, cwd=tmp_path, log=tmp_path / "serve.log"):
        assert wait_http(f"http://127.0.0.1:{port}/health/ready").status_code == 200
        done = subprocess.run(
            ["bash", "-c", script], env=env, cwd=tmp_path, timeout=120, capture_output=True
        )
    answers = done.stdout.decode()
    assert done.returncode == 0, answers + done.stderr.decode()
    for fragment in (
        """"first_name":"Ann","last_name":"O'Neil","contacts_only":false}""",
        """"sender":"ann","body":"What's up, doc? 🥕\"""",
        """"detail":"no user named 'fakeuser'\"""",
        '"reactions":[{"emoji":"🥕","count":1,"mine":true}]',
        '"unread":0}',
        """"body":"Eh, what's up?\"""",
        "event: message.deleted",
        '"detail":"this user does not take your messages"',
        '"status":"requested"}',
        '"status":"contact"}',
    ):
        assert fragment in answers, f"{fragment!r} not in:\n{answers}"
    # Each of the three streams shown ends its replay with the comment: the last one too,
    # whose Last-Event-ID comes from the one before.
    assert answers.count(": live") == 3, answers
    assert "Invalid HTTP request" not in answers, answers
