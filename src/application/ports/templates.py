from collections.abc import Mapping
from typing import Protocol

from domain.errors import InvalidValue
from domain.templates import Template


class TemplateReader(Protocol):
    """Reads for rendering. On PostgreSQL they see committed rows only, outside the
    request's unit of work (one round trip)."""

    async def get(self, key: str) -> Template | None: ...


class TemplateRepository(TemplateReader, Protocol):
    async def save(self, template: Template) -> None:
        """Insert or replace the template with this key, its locales included."""
        ...

    async def delete(self, key: str) -> bool:
        """False when there was no such template."""
        ...

    async def list_after(self, after: str | None, limit: int) -> list[Template]:
        """Up to `limit` templates in key order, those after `after` (None: from the first)."""
        ...


class MissingValue(InvalidValue):
    """A render read a value that is not there. `path` names it from a variable
    (`recipient.phone`, `order.total`, or a variable alone), or is None when it lies
    deeper than one step; the message is the template language's own."""

    def __init__(self, message: str, path: str | None) -> None:
        super().__init__(message)
        self.path = path


class TemplateRenderer(Protocol):
    """A template language. Sources are compiled once and kept; rendering is synchronous
    and bounded (TemplateLimits), so it can run on the event loop."""

    def check(self, source: str, *, html: bool) -> frozenset[str]:
        """The names of the variables `source` reads; InvalidValue, saying why, when it
        does not compile or uses what templates may not (dunder attributes, includes)."""
        ...

    def render(self, source: str, variables: Mapping[str, object], *, html: bool) -> str:
        """`source` with `variables`; HTML parts escape what they insert. MissingValue
        when it reads a value that is not there; InvalidValue when it goes past a limit
        of size or work or fails otherwise."""
        ...
