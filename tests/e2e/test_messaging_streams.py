"""Live delivery between real API processes: a message posted to one reaches a stream
held on the other (Redis Pub/Sub through Litestar's channels), and a reconnect with
Last-Event-ID replays what it missed from PostgreSQL."""

import json
import secrets
from pathlib import Path

import httpx
import pytest

from tests.support.processes import free_port, herald, production_env, running, wait_for, wait_http
from tests.support.redis import REDIS_URL
from tests.support.sse import StreamReader

pytestmark = pytest.mark.e2e


def _login(base: str, username: str) -> dict[str, str]:
    body = {"username": username, "password": "password123"}
    assert httpx.post(f"{base}/auth/signup", json=body).status_code in (201, 409)
    tokens = httpx.post(f"{base}/auth/login", json=body).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_a_message_posted_to_one_process_reaches_a_stream_on_the_other(
    tmp_path: Path, fresh_database: str
) -> None:
    env = production_env(
        fresh_database,
        REDIS_URL,
        jwt_secret=secrets.token_urlsafe(48),
        task_queue=f"herald-e2e-{secrets.token_hex(4)}",
    )
    assert herald("migrate", env=env, cwd=tmp_path).returncode == 0
    one, two = free_port(), free_port()
    with (
        running("serve", "--port", str(one), env=env, cwd=tmp_path, log=tmp_path / "one.log"),
        running("serve", "--port", str(two), env=env, cwd=tmp_path, log=tmp_path / "two.log"),
    ):
        a, b = f"http://127.0.0.1:{one}", f"http://127.0.0.1:{two}"
        wait_http(f"{a}/health/ready")
        wait_http(f"{b}/health/ready")
        ann, bugs = _login(a, "ann"), _login(a, "bugs")
        stream = StreamReader(f"{b}/api/stream", bugs)
        assert stream.status == 200
        stream.until_comment("live")

        sent = httpx.post(
            f"{a}/api/messages",
            headers=ann,
            json={"recipient_user_name": "bugs", "body": "eh \U0001f955"},
        )
        assert sent.status_code == 201, sent.text
        got = stream.next()
        assert got.event == "message"
        data = json.loads(got.data)
        assert (data["id"], data["sender"], data["body"]) == (
            sent.json()["id"],
            "ann",
            "eh \U0001f955",
        )
        # Reaching the stream delivered it.
        wait_for(
            lambda: httpx.get(f"{a}/api/messages/bugs", headers=ann).json()["items"][0][
                "delivered_at"
            ],
            lambda delivered: delivered is not None,
        )
        conversation = data["conversation_id"]
        typing = httpx.post(f"{a}/api/conversations/{conversation}/typing", headers=ann)
        assert typing.status_code == 204
        assert stream.next().event == "typing"
        last_seen = got.id
        stream.close()

        # Missed while away: a message and a reaction, replayed in order on reconnect.
        missed = httpx.post(
            f"{a}/api/conversations/{conversation}/messages",
            headers=ann,
            json={"body": "still there?"},
        ).json()
        react = httpx.put(
            f"{a}/api/conversations/{conversation}/messages/{missed['id']}/reactions/%F0%9F%91%8D",
            headers=ann,
        )
        assert react.status_code == 200
        back = StreamReader(f"{b}/api/stream", {**bugs, "Last-Event-ID": str(last_seen)})
        replayed = back.until_comment("live")
        assert [e.event for e in replayed] == ["message", "reactions"]
        assert json.loads(replayed[0].data)["body"] == "still there?"
        assert json.loads(replayed[1].data)["reactions"] == [{"emoji": "\U0001f44d", "count": 1}]
        # And live again afterwards.
        httpx.post(
            f"{a}/api/conversations/{conversation}/read", headers=bugs, json={"up_to": missed["id"]}
        )
        assert back.next().event == "read"
        back.close()
        bad = httpx.get(f"{b}/api/stream", headers={**bugs, "Last-Event-ID": "nope"})
        assert bad.status_code == 422
