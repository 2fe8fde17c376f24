from application.policy import Caller, require_scope
from application.ports.templates import TemplateRepository
from application.ports.transactions import TransactionManager
from application.templates.find import find_template
from domain.api_keys import Scope


class DeleteTemplate:
    """Delete a template and its locale variants. Admins, or keys with templates:write;
    NotFound for an unknown key. Notifications already scheduled from it keep their rendered
    text."""

    def __init__(self, templates: TemplateRepository, tx: TransactionManager) -> None:
        self._templates = templates
        self._tx = tx

    async def __call__(self, requester: Caller, key: str) -> None:
        require_scope(requester, Scope.TEMPLATES_WRITE)
        template = await find_template(self._templates, key)
        await self._templates.delete(template.key)
        await self._tx.commit()
