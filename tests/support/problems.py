"""Assertions on RFC 9457 problem answers."""

from typing import Any


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The answer is a problem of this status, with its request id; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = dict(response.json())
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body
