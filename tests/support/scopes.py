"""Walking a capability's routes with one caller: all pass, or all are refused 403 with
the same reason (a key without the scope, a user without the admin role)."""

from typing import Any

from litestar.testing import AsyncTestClient

from tests.support.problems import assert_problem

# (method, path, JSON body or None), in an order in which each succeeds after the last.
Route = tuple[str, str, dict[str, Any] | None]


async def run_all(
    client: AsyncTestClient[Any], headers: dict[str, str], routes: list[Route]
) -> None:
    for method, path, body in routes:
        answer = await client.request(method, path, headers=headers, json=body)
        assert answer.status_code in (200, 201, 204), (method, path, answer.text)


async def refused_all(
    client: AsyncTestClient[Any], headers: dict[str, str], routes: list[Route], detail: str
) -> None:
    for method, path, body in routes:
        refused = await client.request(method, path, headers=headers, json=body)
        assert assert_problem(refused, 403)["detail"] == detail, (method, path)
