"""Wire formats shared by every controller: problem details and their OpenAPI entries."""

from http import HTTPStatus
from typing import Any

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import KwargDefinition

# No text field takes NUL: PostgreSQL cannot store it, and no user means it. Request
# bodies are checked for it as they are read (entrypoints.http.bodies); the schema says so.
NO_NUL = "^[^\\x00]*$"
NOT_BLANK = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"  # and at least one visible character


def documented(example: object = None, **constraints: Any) -> KwargDefinition:
    """What the schema says of a body field. The field's rules are enforced where they
    live (the domain, the use case), which names every broken one at once; msgspec only
    checks types, and would stop at the first."""
    examples = None if example is None else [Example(value=example)]
    return KwargDefinition(examples=examples, **constraints)


def text(example: str, max_length: int, min_length: int = 0, **more: Any) -> KwargDefinition:
    return documented(
        example, max_length=max_length, min_length=min_length, **{"pattern": NO_NUL, **more}
    )


class FieldProblem(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct):
    """RFC 9457 problem details, as every error answer has them."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str | None = None
    errors: list[FieldProblem] | None = None


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the error answers a route can give."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=HTTPStatus(status).phrase,
            media_type="application/problem+json",
        )
        for status in statuses
    }
