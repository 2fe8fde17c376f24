from dataclasses import dataclass, replace

from application.policy import Caller, require_scope
from application.ports.clock import Clock
from application.ports.templates import TemplateRenderer, TemplateRepository
from application.ports.transactions import TransactionManager
from application.templates.checks import check_variant
from domain.api_keys import Scope
from domain.errors import NUL_MESSAGE, FieldErrors
from domain.templates import (
    DESCRIPTION_MAX,
    VARIABLES_MAX,
    EmailPart,
    SmsPart,
    Template,
    TemplateLimits,
    Variant,
    template_key,
    variable_name,
)


@dataclass(frozen=True, slots=True)
class SaveTemplateCommand:
    requester: Caller
    key: str
    description: str
    variables: list[str]
    sms: SmsPart | None
    email: EmailPart | None


@dataclass(frozen=True, slots=True)
class SavedTemplate:
    template: Template
    created: bool


class SaveTemplate:
    """Create the template with this key, or replace it (a PUT).

    Rules: admins, or keys with templates:write. The key is 1-100 of a-z, 0-9 and
    `_ . : -`; the description at
    most 500 characters; variables are distinct names (at most 100), `recipient` being
    always available. The template needs an sms or an email part; every part compiles,
    is within the size bound and reads only declared variables. Replacing keeps the
    locale variants, which must still read only the variables now declared; the
    creation time stays.
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

    async def __call__(self, cmd: SaveTemplateCommand) -> SavedTemplate:
        require_scope(cmd.requester, Scope.TEMPLATES_WRITE)
        errors = FieldErrors()
        key = errors.check("key", template_key, cmd.key)
        if len(cmd.description) > DESCRIPTION_MAX:
            errors.add("description", f"must be at most {DESCRIPTION_MAX} characters")
        elif "\x00" in cmd.description:
            errors.add("description", NUL_MESSAGE)
        variables: tuple[str, ...] = ()
        if len(cmd.variables) > VARIABLES_MAX:
            errors.add("variables", f"must hold at most {VARIABLES_MAX} names")
        elif len(set(cmd.variables)) != len(cmd.variables):
            errors.add("variables", "must not name a variable twice")
        else:
            variables = tuple(
                errors.check(f"variables[{i}]", variable_name, name)
                for i, name in enumerate(cmd.variables)
            )
        errors.raise_if_any()
        default = Variant(cmd.sms, cmd.email)
        check_variant(default, variables, self._renderer, self._limits, errors)
        current = await self._templates.get(key)
        locales = current.locales if current else {}
        for name, variant in locales.items():
            check_variant(
                variant, variables, self._renderer, self._limits, errors, f"locales.{name}."
            )
        errors.raise_if_any()
        now = self._clock.now()
        if current is None:
            template = Template(key, cmd.description, variables, default, now, now)
        else:
            template = replace(
                current,
                description=cmd.description,
                variables=variables,
                default=default,
                updated_at=now,
            )
        await self._templates.save(template)
        await self._tx.commit()
        return SavedTemplate(template, created=current is None)
