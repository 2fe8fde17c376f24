"""GET /metrics of the API: open unless HERALD_METRICS_TOKEN is set, then only for
`Authorization: Bearer <token>`; anything else is a 401 problem."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from application.notifications.count_due import CountDueNotifications
from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from tests.conftest import make_settings
from tests.support.auth import bearer

Client = AsyncTestClient[Any]
TOKEN = "metrics-token-0123456789abcdef"
PHONE = "+15105552054"


@pytest.fixture
async def guarded(sqlite_url: str) -> AsyncIterator[Client]:
    settings = make_settings(sqlite_url, metrics_token=TOKEN)
    container = make_container(settings)
    async with AsyncTestClient(create_app(settings, container)) as client:
        yield client
    await container.close()


async def test_metrics_are_open_without_a_token(client: Client) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE herald_requests_total counter" in response.text


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token-0123456789", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN}x", "Bearer"],
)
async def test_without_the_token_the_answer_is_a_401_problem(
    guarded: Client, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await guarded.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == 'Bearer realm="herald-metrics"'
    body = response.json()
    assert (body["status"], body["title"], body["instance"]) == (401, "Unauthorized", "/metrics")
    assert "HERALD_METRICS_TOKEN" in body["detail"]
    assert body["request_id"]
    assert "herald_requests" not in response.text


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_the_token_opens_the_metrics(guarded: Client, scheme: str) -> None:
    response = await guarded.get("/metrics", headers={"Authorization": f"{scheme} {TOKEN}"})
    assert response.status_code == 200
    assert "# TYPE herald_requests_total counter" in response.text


async def test_openmetrics_when_the_scraper_asks_for_it(guarded: Client) -> None:
    response = await guarded.get(
        "/metrics",
        headers={
            "Authorization": f"Bearer {TOKEN}",
            "Accept": "application/openmetrics-text; version=1.0.0",
        },
    )
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


async def test_the_due_count_reaches_the_metrics(client: Client, container: AsyncContainer) -> None:
    headers = await bearer(client, "ann", preferences={"notify_pref": "sms", "phone": PHONE})
    for _ in range(2):  # no dispatcher runs here: they stay due
        r = await client.post("/notifications", headers=headers, json={"text": "hi"})
        assert r.status_code == 202, r.text
    async with container() as request:
        assert await (await request.get(CountDueNotifications))() == 2
    assert "\nherald_notifications_due 2.0\n" in (await client.get("/metrics")).text
