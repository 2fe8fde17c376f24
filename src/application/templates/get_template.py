from application.policy import Caller, require_scope
from application.ports.templates import TemplateRepository
from application.templates.find import find_template
from domain.api_keys import Scope
from domain.templates import Template


class GetTemplate:
    """One template, with its locale variants. Admins, or keys with templates:write;
    NotFound for an unknown key."""

    def __init__(self, templates: TemplateRepository) -> None:
        self._templates = templates

    async def __call__(self, requester: Caller, key: str) -> Template:
        require_scope(requester, Scope.TEMPLATES_WRITE)
        return await find_template(self._templates, key)
