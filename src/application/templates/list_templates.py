from dataclasses import dataclass

from application.paging import LIMITS, Page, key_cursors, page_of
from application.policy import Caller, require_scope
from application.ports.templates import TemplateRepository
from domain.api_keys import Scope
from domain.errors import FieldErrors
from domain.templates import Template, template_key

# The key of the last template of a page.
KEY_CURSORS = key_cursors(template_key)


@dataclass(frozen=True, slots=True)
class ListTemplatesQuery:
    requester: Caller
    limit: int = LIMITS.default
    cursor: str | None = None  # `next_cursor` of the previous page


class ListTemplates:
    """Templates in key order, a page at a time. Admins, or keys with templates:write."""

    def __init__(self, templates: TemplateRepository) -> None:
        self._templates = templates

    async def __call__(self, q: ListTemplatesQuery) -> Page[Template]:
        require_scope(q.requester, Scope.TEMPLATES_WRITE)
        errors = FieldErrors()
        limit = errors.check("limit", LIMITS.check, q.limit)
        after = errors.check("cursor", KEY_CURSORS.decode, q.cursor)
        errors.raise_if_any()
        rows = await self._templates.list_after(after, limit + 1)
        return page_of(rows, limit, lambda t: t.key, KEY_CURSORS)
