"""What every change of a template checks: sizes, and that each part compiles and reads
only the variables the template declares (and `recipient`)."""

from application.ports.templates import TemplateRenderer
from domain.errors import FieldErrors, InvalidValue
from domain.templates import RECIPIENT, TemplateLimits, Variant


def check_variant(
    variant: Variant,
    variables: tuple[str, ...],
    renderer: TemplateRenderer,
    limits: TemplateLimits,
    errors: FieldErrors,
    prefix: str = "",
) -> None:
    bad = variant.check(limits, errors, prefix)
    declared = {*variables, RECIPIENT}
    for path, (source, html) in variant.sources().items():
        if path in bad:
            continue  # a part that is too big or holds NUL is not worth compiling
        try:
            used = renderer.check(source, html=html)
        except InvalidValue as exc:
            errors.add(prefix + path, exc.message)
            continue
        if undeclared := sorted(used - declared):
            errors.add(prefix + path, f"uses undeclared variables: {', '.join(undeclared)}")
