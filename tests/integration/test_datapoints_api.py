from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine
from taskiq import AsyncBroker, InMemoryBroker

from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from entrypoints.settings import Settings
from entrypoints.tasks import datapoints
from tests.conftest import make_settings
from tests.support.auth import admin_bearer, bearer
from tests.support.databases import migrated_empty
from tests.support.problems import assert_problem
from tests.support.upstream import Reply, StubUpstream, threaded_stub_upstream

Client = AsyncTestClient[Any]
GOOD = {"time": 1713798477, "value": [157, 42, 76, 190], "tags": []}


async def populated(client: Client, container: AsyncContainer, count: int = 3) -> dict[str, str]:
    admin = await admin_bearer(client, container)
    response = await client.post(f"/api/populate?count={count}", headers=admin)
    assert response.status_code == 201, response.text
    return admin


async def test_populate_from_the_simulated_source(
    client: Client, container: AsyncContainer
) -> None:
    admin = await admin_bearer(client, container)
    response = await client.post("/api/populate?count=3", headers=admin)
    assert response.status_code == 201
    report = response.json()
    assert report["fetched"] == 30
    assert report["stored"] == 30
    assert report["duplicates"] == 0
    assert report["rejected"] == []
    assert report["rejected_count"] == 0


async def test_populate_is_for_admins_and_post_only(
    client: Client, container: AsyncContainer
) -> None:
    assert_problem(await client.post("/api/populate"), 401)
    user = await bearer(client, "ann")
    assert_problem(await client.post("/api/populate", headers=user), 403)
    admin = await admin_bearer(client, container)
    assert_problem(await client.get("/api/populate", headers=admin), 405)
    for count in ("0", "1001", "-3", "many"):
        body = assert_problem(await client.post(f"/api/populate?count={count}", headers=admin), 422)
        assert body["errors"][0]["field"] == "count"


async def test_users_see_valid_points_admins_see_all(
    client: Client, container: AsyncContainer
) -> None:
    admin = await populated(client, container, count=5)
    user = await bearer(client, "ann")
    mine = (await client.get("/api/data", headers=user)).json()
    assert mine["items"]
    assert all(p["valid"] for p in mine["items"])
    assert set(mine["items"][0]) == {"time", "value", "valid", "tags"}
    assert mine["items"][0]["time"].endswith("Z")
    everything = (await client.get("/api/data", headers=admin)).json()["items"]
    assert len(everything) == 50
    assert len(everything) > len(mine["items"])
    invalid = (await client.get("/api/data?valid=false", headers=admin)).json()["items"]
    assert invalid
    assert not any(p["valid"] for p in invalid)
    assert {"system", "suspect", "too old"} <= {t for p in invalid for t in p["tags"]}
    assert_problem(await client.get("/api/data?valid=false", headers=user), 403)
    assert_problem(await client.get("/api/data"), 401)


async def test_paging_with_cursor_and_skip(client: Client, container: AsyncContainer) -> None:
    admin = await populated(client, container, count=5)
    seen: list[dict[str, Any]] = []
    url = "/api/data?limit=7"
    while True:
        page = (await client.get(url, headers=admin)).json()
        seen += page["items"]
        if page["next_cursor"] is None:
            break
        url = f"/api/data?limit=7&cursor={page['next_cursor']}"
    assert len(seen) == 50
    assert [p["time"] for p in seen] == sorted(p["time"] for p in seen)
    skipped = (await client.get("/api/data?skip=45&limit=10", headers=admin)).json()
    assert skipped["items"] == seen[45:]
    assert skipped["next_cursor"] is None
    start, end = seen[10]["time"], seen[20]["time"]
    ranged = (
        await client.get("/api/data", params={"start": start, "end": end}, headers=admin)
    ).json()
    assert ranged["items"] == seen[10:20]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=1001", "limit"),
        ("limit=-1", "limit"),
        ("limit=0", "limit"),
        ("skip=-5", "skip"),
        ("limit=ten", "limit"),
        ("start=2024-04-23T00:00:00Z&end=2024-04-22T00:00:00Z", "start"),
        ("start=yesterday", "start"),
        ("end=2024-04-22T00:00:00", "end"),
        ("cursor=garbage", "cursor"),
    ],
)
async def test_bad_queries_are_422(client: Client, query: str, field: str) -> None:
    user = await bearer(client, "ann")
    body = assert_problem(await client.get(f"/api/data?{query}", headers=user), 422)
    assert field in {e["field"] for e in body["errors"]}


async def test_stats(client: Client, container: AsyncContainer) -> None:
    admin = await populated(client, container, count=5)
    user = await bearer(client, "ann")
    mine = (await client.get("/api/data/stats?bucket=minute", headers=user)).json()
    assert mine["bucket"] == "minute"
    assert mine["end"].endswith("Z")
    valid_count = len((await client.get("/api/data?limit=1000", headers=user)).json()["items"])
    assert sum(b["count"] for b in mine["buckets"]) == valid_count
    bucket = mine["buckets"][0]
    assert bucket["min"] <= bucket["mean"] <= bucket["max"]
    everything = (await client.get("/api/data/stats?bucket=day", headers=admin)).json()
    assert sum(b["count"] for b in everything["buckets"]) == 50
    assert_problem(await client.get("/api/data/stats?bucket=week", headers=user), 422)
    assert_problem(await client.get("/api/data/stats?valid=false", headers=user), 403)


async def test_openapi_documents_the_routes(client: Client) -> None:
    paths = (await client.get("/docs/openapi.json")).json()["paths"]
    assert "post" in paths["/api/populate"]
    assert "502" in paths["/api/populate"]["post"]["responses"]
    assert "get" in paths["/api/data"]
    assert "/api/data/stats" in paths


# --- an HTTP upstream -------------------------------------------------------------------


@pytest.fixture
def upstream() -> Iterator[StubUpstream]:
    with threaded_stub_upstream() as stub:
        yield stub


@pytest.fixture
async def http_app(
    tmp_path: Path, upstream: StubUpstream
) -> AsyncIterator[tuple[Client, AsyncContainer]]:
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path}/h.db",
        data_source_url=upstream.url,
        data_upstream_timeout_seconds=0.3,
        data_upstream_retries=1,
        # One fetch at a time: the stub hands out its scripted replies in arrival order.
        data_upstream_concurrency=1,
    )
    container = make_container(settings)
    await migrated_empty(await container.get(AsyncEngine))
    async with AsyncTestClient(create_app(settings, container)) as client:
        yield client, container
    await container.close()


async def test_bad_upstream_data_is_reported_not_500(
    http_app: tuple[Client, AsyncContainer], upstream: StubUpstream
) -> None:
    client, container = http_app
    admin = await admin_bearer(client, container)
    upstream.script(
        Reply([GOOD, {**GOOD, "value": [1, 2, 3]}, {**GOOD, "value": [0, 0, 192, 127]}]),
        Reply(b"<html>", content_type="text/html"),
        Reply(GOOD),
    )
    response = await client.post("/api/populate?count=3", headers=admin)
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["fetched"], report["stored"], report["duplicates"]) == (5, 1, 1)
    assert report["rejected_count"] == 3
    assert [r["raw"] for r in report["rejected"]][2] == "<html>"
    stored = (await client.get("/api/data", headers=admin)).json()["items"]
    assert stored == [
        {
            "time": "2024-04-22T15:07:57Z",
            "value": -0.19938130676746368,
            "valid": False,
            "tags": ["too old"],
        }
    ]


@pytest.mark.parametrize(
    ("reply", "hits"),
    [
        # Refused at once: the second call, canceled then, may not have been sent yet.
        (Reply("down", status=503), {1, 2}),
        (Reply(GOOD, delay=1.0), {2}),  # both in flight when the first times out
    ],
)
async def test_failing_upstream_is_502(
    http_app: tuple[Client, AsyncContainer], upstream: StubUpstream, reply: Reply, hits: set[int]
) -> None:
    client, container = http_app
    admin = await admin_bearer(client, container)
    upstream.script(reply)
    body = assert_problem(await client.post("/api/populate?count=2", headers=admin), 502)
    assert "upstream" in body["detail"]
    assert upstream.hits in hits  # never retried


# --- periodic ingestion -------------------------------------------------------------------


async def test_periodic_ingestion_task_runs_the_use_case(
    settings: Settings, container: AsyncContainer, client: Client
) -> None:
    broker = await container.get(AsyncBroker)
    task = broker.find_task("herald.ingest_data_points")
    assert task is not None
    assert task.labels["schedule"] == [{"interval": 60, "kwargs": {"count": 1}}]
    await broker.startup()
    try:
        result = await (await task.kiq(count=2)).wait_result(timeout=5)
    finally:
        await broker.shutdown()
    assert result.return_value == {"fetched": 20, "stored": 20, "duplicates": 0, "rejected": 0}
    admin = await admin_bearer(client, container)
    assert len((await client.get("/api/data", headers=admin)).json()["items"]) == 20


def test_schedule_follows_settings(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/x.db"
    cases = [
        (make_settings(url), [{"interval": 60, "kwargs": {"count": 1}}]),
        (
            make_settings(url, data_ingest_cron="*/5 * * * *", data_ingest_count=3),
            [{"cron": "*/5 * * * *", "kwargs": {"count": 3}}],
        ),
        (make_settings(url, data_source_url="http://127.0.0.1:1/x"), []),
        (make_settings(url, data_ingest_enabled=False), []),
    ]
    for settings, expected in cases:
        broker = InMemoryBroker()
        datapoints.register(broker, settings)
        task = broker.find_task("herald.ingest_data_points")
        assert task is not None
        assert task.labels["schedule"] == expected
