from application.policy import require_templates
from application.ports.templates import TemplateRepository
from application.templates.find import find_template
from domain.accounts import User
from domain.templates import Template


class GetTemplate:
    """One template, with its locale variants. Admins only; NotFound for an unknown key."""

    def __init__(self, templates: TemplateRepository) -> None:
        self._templates = templates

    async def __call__(self, requester: User, key: str) -> Template:
        require_templates(requester, write=False)
        return await find_template(self._templates, key)
