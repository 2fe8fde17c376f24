from dataclasses import replace

from application.policy import Caller, require_scope
from application.ports.clock import Clock
from application.ports.templates import TemplateRepository
from application.ports.transactions import TransactionManager
from application.templates.find import find_template
from domain.api_keys import Scope
from domain.errors import FieldErrors, NotFound
from domain.templates import Template
from domain.templates import locale as parse_locale


class DeleteTemplateLocale:
    """Remove one locale's variant; its readers then get the language's variant or the
    default. Admins, or keys with templates:write; NotFound for an unknown template or locale."""

    def __init__(self, templates: TemplateRepository, clock: Clock, tx: TransactionManager) -> None:
        self._templates = templates
        self._clock = clock
        self._tx = tx

    async def __call__(self, requester: Caller, key: str, locale: str) -> Template:
        require_scope(requester, Scope.TEMPLATES_WRITE)
        errors = FieldErrors()
        name = errors.check("locale", parse_locale, locale)
        errors.raise_if_any()
        template = await find_template(self._templates, key)
        if name not in template.locales:
            raise NotFound(f"template {template.key!r} has no {name!r} variant")
        locales = {k: v for k, v in template.locales.items() if k != name}
        changed = replace(template, locales=locales, updated_at=self._clock.now())
        await self._templates.save(changed)
        await self._tx.commit()
        return changed
