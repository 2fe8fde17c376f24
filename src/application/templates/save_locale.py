from dataclasses import dataclass, replace

from application.policy import Caller, require_scope
from application.ports.clock import Clock
from application.ports.templates import TemplateRenderer, TemplateRepository
from application.ports.transactions import TransactionManager
from application.templates.checks import check_variant
from application.templates.find import find_template
from domain.api_keys import Scope
from domain.errors import FieldErrors
from domain.templates import LOCALES_MAX, EmailPart, SmsPart, Template, TemplateLimits, Variant
from domain.templates import locale as parse_locale


@dataclass(frozen=True, slots=True)
class SaveLocaleCommand:
    requester: Caller
    key: str
    locale: str
    sms: SmsPart | None
    email: EmailPart | None


@dataclass(frozen=True, slots=True)
class SavedLocale:
    template: Template
    created: bool


class SaveTemplateLocale:
    """Create or replace the variant of a template for one locale (a PUT).

    Rules: admins, or keys with templates:write; NotFound for an unknown template. The
    locale is a BCP 47 tag
    ("pt", "pt-BR"), stored in its usual spelling; at most 100 per template. The variant
    has the parts of a template under the same rules: it reads only the variables the
    template declares. It may leave a part out: that channel then falls back to the
    language's variant, then to the default.
    """

    def __init__(
        self,
        templates: TemplateRepository,
        renderer: TemplateRenderer,
        limits: TemplateLimits,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._templates = templates
        self._renderer = renderer
        self._limits = limits
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: SaveLocaleCommand) -> SavedLocale:
        require_scope(cmd.requester, Scope.TEMPLATES_WRITE)
        errors = FieldErrors()
        name = errors.check("locale", parse_locale, cmd.locale)
        errors.raise_if_any()
        template = await find_template(self._templates, cmd.key)
        variant = Variant(cmd.sms, cmd.email)
        check_variant(variant, template.variables, self._renderer, self._limits, errors)
        created = name not in template.locales
        if created and len(template.locales) >= LOCALES_MAX:
            errors.add("locale", f"a template has at most {LOCALES_MAX} locales")
        errors.raise_if_any()
        changed = replace(
            template,
            locales={**template.locales, name: variant},
            updated_at=self._clock.now(),
        )
        await self._templates.save(changed)
        await self._tx.commit()
        return SavedLocale(changed, created)
