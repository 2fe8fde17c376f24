"""Schemathesis over every operation of the OpenAPI schema, against the ASGI app, with a
user's and an admin's token: no 5xx, every answer as documented (status, content type,
schema), and every error a problem. New routes are covered as soon as they are in the
schema. Bounded by EXAMPLES, to keep CI fast."""

import asyncio
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import schemathesis.python.asgi
from hypothesis import HealthCheck, settings
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import CheckFunction
from schemathesis.specs.openapi.checks import negative_data_rejection
from sqlalchemy.ext.asyncio import AsyncEngine

from application.accounts.sign_up import CreateAdmin, SignUp, SignUpCommand
from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from tests.conftest import make_settings
from tests.support.databases import migrated_empty

# Per operation; each example runs twice (user, admin). Raise it for a deeper run, e.g.
# SCHEMATHESIS_EXAMPLES=200 uv run pytest tests/integration/test_openapi_conformance.py
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))
PASSWORD = "password123"
# The schema is loaded when this module is imported (schemathesis' pytest integration
# parametrizes by operation at collection time), so the app is made here.
_DB = Path(tempfile.mkdtemp(prefix="herald-schemathesis-")) / "herald.db"
# Limits high enough that the fuzzer meets the rules, not a locked-out login.
_SETTINGS = make_settings(
    f"sqlite+aiosqlite:///{_DB}", login_rate_limit=100_000, login_account_failure_limit=100_000
)
APP = create_app(_SETTINGS, make_container(_SETTINGS))
schema = schemathesis.openapi.from_asgi("/docs/openapi.json", APP)


@pytest.fixture(scope="module")
def tokens() -> Iterator[dict[str, str]]:
    """A migrated database with a user and an admin, and their access tokens."""

    async def prepare() -> None:
        setup = make_container(_SETTINGS)
        await migrated_empty(await setup.get(AsyncEngine))
        async with setup() as request:
            await (await request.get(CreateAdmin))(SignUpCommand("root", PASSWORD))
            await (await request.get(SignUp))(SignUpCommand("ann", PASSWORD))
        await setup.close()

    asyncio.run(prepare())
    found = {}
    for role, username in (("user", "ann"), ("admin", "root")):
        login = schema["/auth/login"]["POST"].Case(
            body={"username": username, "password": PASSWORD}, media_type="application/json"
        )
        answer = login.call()
        assert answer.status_code == 200, answer.text
        found[role] = answer.json()["access_token"]
    yield found
    schemathesis.python.asgi.shutdown_lifespans()
    shutil.rmtree(_DB.parent, ignore_errors=True)


@schemathesis.check
def errors_are_problems(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Every 4xx and 5xx answer is RFC 9457 problem details with the request id."""
    if response.status_code < 400 or case.method == "HEAD":
        return None
    assert response.headers.get("content-type", [""])[0].startswith("application/problem+json"), (
        f"{response.status_code} is not a problem: {response.headers.get('content-type')}"
    )
    body: Any = response.json()
    assert body["status"] == response.status_code
    assert body["title"]
    assert body["detail"]
    assert body["request_id"]
    return True


# A live stream never ends, so no request-and-answer check can wait for its answer: its
# refusals are tested in tests/integration/test_messaging_stream.py, its events end to end.
@schema.exclude(path="/api/stream").parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
)
def test_every_operation_as_documented(case: Case[Any], tokens: dict[str, str]) -> None:
    # Provider callbacks acknowledge what they cannot use (a provider would otherwise retry
    # it forever), so only there is a request outside the schema not refused.
    lenient: list[CheckFunction] = (
        [negative_data_rejection] if case.path.startswith("/webhooks/") else []
    )
    for token in tokens.values():
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            additional_checks=[errors_are_problems],
            excluded_checks=lenient,
        )
