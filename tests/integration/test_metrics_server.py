"""The metrics server of `herald worker` and `herald scheduler` (HERALD_METRICS_PORT): the
same token rule as the API's /metrics, problems for every error, a clear stop when the
port is taken."""

import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter

from entrypoints.metrics_server import serve_metrics, warn_when_open
from entrypoints.scrape import Scrape, process_collector
from tests.conftest import make_settings
from tests.support.processes import free_port

TOKEN = "metrics-token-0123456789abcdef"


@pytest.fixture
async def server(sqlite_url: str) -> AsyncIterator[str]:
    registry = CollectorRegistry()
    Counter("herald_test_things_total", "Things", registry=registry).inc(3)
    port = free_port()
    settings = make_settings(sqlite_url, metrics_token=TOKEN, metrics_port=port)
    stop = await serve_metrics(settings.metrics, Scrape(TOKEN, process_collector(registry)))
    yield f"http://127.0.0.1:{port}"
    await stop()


async def test_the_token_opens_the_metrics(server: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{server}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
        )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "herald_test_things_total 3.0" in response.text  # this container's own metrics
    assert "# TYPE herald_requests_total counter" in response.text  # and the process's


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token-0123456789", TOKEN])
async def test_without_the_token_the_answer_is_a_401_problem(
    server: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{server}/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"] == 'Bearer realm="herald-metrics"'
    assert response.json()["status"] == 401
    assert "HERALD_METRICS_TOKEN" in response.json()["detail"]
    assert "herald_test_things" not in response.text


@pytest.mark.parametrize(
    ("method", "path", "status"), [("GET", "/", 404), ("POST", "/metrics", 405)]
)
async def test_other_requests_get_problems(
    server: str, method: str, path: str, status: int
) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.request(method, f"{server}{path}")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == status


async def test_a_taken_port_stops_the_process(sqlite_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = make_settings(sqlite_url, metrics_port=port)
        with pytest.raises(SystemExit, match=f"cannot serve metrics on 127.0.0.1:{port}"):
            await serve_metrics(settings.metrics, Scrape(None, CollectorRegistry()))


@pytest.mark.parametrize(
    ("broker_url", "token", "metrics_port", "command", "warned"),
    [
        ("redis://127.0.0.1:6379/0", None, None, "serve", True),
        ("redis://127.0.0.1:6379/0", None, 9464, "worker", True),
        ("redis://127.0.0.1:6379/0", None, 9464, "scheduler", True),
        ("redis://127.0.0.1:6379/0", None, None, "worker", False),  # it serves no metrics
        ("redis://127.0.0.1:6379/0", None, 9464, "migrate", False),
        ("redis://127.0.0.1:6379/0", TOKEN, None, "serve", False),
        ("memory://", None, None, "serve", False),  # the embedded default
    ],
)
def test_production_warns_once_when_the_metrics_are_open(
    caplog: pytest.LogCaptureFixture,
    sqlite_url: str,
    broker_url: str,
    token: str | None,
    metrics_port: int | None,
    command: str,
    warned: bool,
) -> None:
    settings = make_settings(
        sqlite_url, broker_url=broker_url, metrics_token=token, metrics_port=metrics_port
    )
    warn_when_open(settings, command)
    warnings = [r for r in caplog.records if "metrics are unauthenticated" in r.getMessage()]
    assert len(warnings) == (1 if warned else 0)
    assert all(r.levelname == "WARNING" for r in warnings)
