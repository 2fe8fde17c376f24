"""Finding a template by key, for the use cases that read or change one."""

from application.ports.templates import TemplateReader
from domain.errors import FieldErrors, NotFound
from domain.templates import Template, template_key


async def find_template(templates: TemplateReader, raw_key: str) -> Template:
    """The template, or NotFound; a key that cannot exist is a bad field."""
    errors = FieldErrors()
    key = errors.check("key", template_key, raw_key)
    errors.raise_if_any()
    found = await templates.get(key)
    if found is None:
        raise NotFound(f"no template with key {key!r}")
    return found
