"""Wire formats shared by every controller: problem details, their OpenAPI entries, and how
fields are documented."""

from dataclasses import dataclass
from http import HTTPStatus
from typing import Annotated, Any

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example, OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.params import KwargDefinition, QueryParameter

# No text field takes NUL: PostgreSQL cannot store it, and no user means it. Request
# bodies are checked for it as they are read (entrypoints.http.bodies); the schema says so.
NO_NUL = "^[^\\x00]*$"
NOT_BLANK = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"  # and at least one visible character
PROBLEM_JSON = "application/problem+json"
# Values the examples share, so that one page of the docs tells one story.
EXAMPLE_ID = "01a2005d-b470-7f6a-9b2b-7c7ca6c14368"
EXAMPLE_USER_ID = "01a2005c-3f1e-7d1b-8a55-2f6b1d7e9c10"
EXAMPLE_TIME = "2026-11-21T23:20:05.123456Z"
# The `cursor` of a page by id: the last id's 16 bytes in unpadded base64url
# (application.paging.ID_CURSORS). Documented exactly, so that a client (or a schema-driven
# test) never sends a cursor of the schema that the API then refuses.
IdCursor = Annotated[
    str | None,
    QueryParameter(pattern="^[A-Za-z0-9_-]{22}$", description="`next_cursor` of the previous page"),
]


def documented(example: object = None, **constraints: Any) -> KwargDefinition:
    """What the schema says of a field. A body field's rules are enforced where they live
    (the domain, the use case), which names every broken one at once; msgspec only checks
    types, and would stop at the first."""
    examples = None if example is None else [Example(value=example)]
    return KwargDefinition(examples=examples, **constraints)


def text(example: str, max_length: int, min_length: int = 0, **more: Any) -> KwargDefinition:
    return documented(
        example, max_length=max_length, min_length=min_length, **{"pattern": NO_NUL, **more}
    )


def body_operation(content: dict[str, Schema]) -> type[Operation]:
    """An operation whose request body the handler reads itself (login, provider callbacks),
    documented as these media types and schemas."""

    @dataclass
    class WithBody(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                required=True,
                content={
                    media: OpenAPIMediaType(schema=schema) for media, schema in content.items()
                },
            )

    return WithBody


def rules(**schema: Any) -> dict[str, Any]:
    """A query parameter's rules, shown in the schema but left to the use case, which
    reports every broken one at once (Litestar would stop at the first)."""
    return {"schema_extra": schema}


class FieldProblem(msgspec.Struct):
    field: Annotated[str, documented("limit")]
    message: Annotated[str, documented("must be between 1 and 1000")]


class Problem(msgspec.Struct):
    """RFC 9457 problem details, as every error answer has them."""

    type: Annotated[str, documented("about:blank")]
    title: Annotated[str, documented("Unprocessable Entity")]
    status: Annotated[int, documented(422, ge=400, le=599)]
    detail: Annotated[str, documented("limit: must be between 1 and 1000")]
    instance: Annotated[str, documented("/api/data")]
    request_id: Annotated[str | None, documented("406e3312b9934541b9ea165985fefe6e")] = None
    errors: list[FieldProblem] | None = None  # validation errors only, one per field


# What each status says in practice, for the examples of every route's error answers.
_EXAMPLES: dict[int, tuple[str, str, list[dict[str, str]] | None]] = {
    400: ("/auth/signup", "the request body is not valid JSON", None),
    401: (
        "/me",
        "missing bearer token: send 'Authorization: Bearer <access token>'",
        None,
    ),
    403: ("/api/populate", "this action needs the admin role", None),
    404: ("/notifications/01a2005d-b470-7f6a-9b2b-7c7ca6c14368", "no such resource", None),
    409: ("/auth/signup", "username 'ann' is taken", None),
    413: ("/notifications", "the request body is too large", None),
    415: (
        "/notifications",
        "send the body as application/json (Content-Type header)",
        None,
    ),
    422: (
        "/notifications",
        "text: must not be empty; sendtime: must include a UTC offset",
        [
            {"field": "text", "message": "must not be empty"},
            {"field": "sendtime", "message": "must include a UTC offset"},
        ],
    ),
    429: ("/auth/login", "too many login attempts; try again later", None),
    502: ("/api/populate", "the upstream timed out (after 3 attempts)", None),
    503: (
        "/auth/login",
        "the database is not reachable or did not answer in time; try again shortly",
        None,
    ),
}
# Any route that reads a body or parameters may answer 400, and any that needs the
# database or Redis may answer 503 while they are down.
_ALWAYS = (400, 503)


def _example(status: int) -> Example:
    instance, detail, errors = _EXAMPLES[status]
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        "request_id": "406e3312b9934541b9ea165985fefe6e",
    }
    if errors is not None:
        body["errors"] = errors
    return Example(summary=HTTPStatus(status).phrase, value=body)


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the error answers a route can give, 400 and 503 included."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=HTTPStatus(status).phrase,
            media_type=PROBLEM_JSON,
            generate_examples=False,
            examples=[_example(status)],
        )
        for status in sorted({*statuses, *_ALWAYS})
    }
