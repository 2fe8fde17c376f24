"""`GET /metrics`: Prometheus metrics, behind a bearer token when HERALD_METRICS_TOKEN is set."""

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get
from litestar.exceptions import NotAuthorizedException

from entrypoints.http.schemas import problem_responses
from entrypoints.scrape import UNAUTHORIZED_DETAIL, WWW_AUTHENTICATE, Scrape


@get(
    "/metrics",
    tags=["operations"],
    summary="Prometheus metrics (needs 'Authorization: Bearer <HERALD_METRICS_TOKEN>' when set)",
    media_type="text/plain; version=0.0.4; charset=utf-8",
    responses=problem_responses(401),
)
async def metrics(request: Request[Any, Any, Any], scrape: FromDishka[Scrape]) -> Response[bytes]:
    if not scrape.allows(request.headers.get("authorization")):
        raise NotAuthorizedException(
            UNAUTHORIZED_DETAIL, headers={"WWW-Authenticate": WWW_AUTHENTICATE}
        )
    body, content_type = scrape.render(request.headers.get("accept"))
    return Response(body, media_type=content_type)
