"""The request metrics on /metrics: labelled by route template, unmatched paths in one
series, scrapes not counted, 5xx answers also counted as errors."""

import uuid
from typing import Any

from litestar.testing import AsyncTestClient
from prometheus_client import REGISTRY

from entrypoints.http import request_metrics
from tests.support.auth import bearer

Client = AsyncTestClient[Any]


def _count(name: str, method: str, path: str, status: int) -> float:
    labels = {"method": method, "path": path, "status_code": str(status)}
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_requests_are_counted_by_route_template(client: Client) -> None:
    headers = await bearer(client, "mia")
    template = "/notifications/{notification_id}"
    before = _count("herald_requests_total", "GET", template, 404)
    for _ in range(2):
        response = await client.get(f"/notifications/{uuid.uuid4()}", headers=headers)
        assert response.status_code == 404
    assert _count("herald_requests_total", "GET", template, 404) == before + 2
    assert _count("herald_request_duration_seconds_count", "GET", template, 404) >= 2
    # The concrete paths never become series of their own.
    paths = {
        sample.labels["path"]
        for family in REGISTRY.collect()
        if family.name == "herald_requests"
        for sample in family.samples
        if sample.labels.get("path", "").startswith("/notifications/")
    }
    assert paths == {template}


async def test_unmatched_paths_share_one_series(client: Client) -> None:
    before = _count("herald_requests_total", "GET", request_metrics.UNMATCHED, 404)
    await client.get("/nowhere")
    await client.get("/elsewhere/entirely")
    assert _count("herald_requests_total", "GET", request_metrics.UNMATCHED, 404) == before + 2


async def test_scrapes_are_not_counted(client: Client) -> None:
    await client.get("/metrics")
    before = _count("herald_requests_total", "GET", "/metrics", 200)
    await client.get("/metrics")
    assert _count("herald_requests_total", "GET", "/metrics", 200) == before == 0.0


def test_server_errors_are_also_counted_as_errors() -> None:
    path = "/test-only/errors"
    request_metrics.record("POST", path, 503, 0.25)
    request_metrics.record("POST", path, 503, 0.5)
    request_metrics.record("POST", path, 422, 0.01)
    assert _count("herald_requests_error_total", "POST", path, 503) == 2
    assert _count("herald_requests_error_total", "POST", path, 422) == 0
    assert _count("herald_requests_total", "POST", path, 422) == 1
    assert _count("herald_request_duration_seconds_sum", "POST", path, 503) == 0.75
