from collections.abc import Mapping
from dataclasses import dataclass, field

from application.ports.templates import MissingValue, TemplateReader, TemplateRenderer
from application.templates.find import find_template
from domain.errors import FieldErrors, InvalidInput, InvalidValue
from domain.preferences import Channel
from domain.templates import RECIPIENT, RECIPIENT_FIELDS, SmsSegments, Variant, sms_segments
from domain.templates import locale as parse_locale

RECIPIENT_FIELD_MAX = 320


@dataclass(frozen=True, slots=True)
class RecipientFields:
    """What a template may read of its recipient (`recipient.name`, ...); a field left
    None is absent, so `{{ recipient.name | default("there") }}` works."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    locale: str | None = None
    external_id: str | None = None

    def given(self) -> dict[str, str]:
        """The fields that are set, by name."""
        fields = {
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "locale": self.locale,
            "external_id": self.external_id,
        }
        return {k: v for k, v in fields.items() if v is not None}


@dataclass(frozen=True, slots=True)
class RenderTemplateCommand:
    key: str
    channel: str
    data: Mapping[str, object] = field(default_factory=dict)
    recipient: RecipientFields = RecipientFields()
    locale: str | None = None  # None: the recipient's


@dataclass(frozen=True, slots=True)
class Rendered:
    """What would be sent: `text` always; `subject` and `html` (if the template has it)
    for email; `sms` its segment count for SMS."""

    channel: Channel
    locale: str | None  # the variant used; None: the default
    text: str
    subject: str | None = None
    html: str | None = None
    sms: SmsSegments | None = None
    personal: bool = False  # it reads the recipient's fields, not only the locale and data


class RenderTemplate:
    """Render a template's part for one channel, as it would be sent.

    Rules: the variant is the one of `locale`, else the recipient's locale: the exact
    locale, then its language, then the default (a variant without a part for the
    channel is passed over). A template without a part for the channel, a variable the
    part reads that `data` lacks (`data.<name>`, `data.<name>.<key>`), a recipient field
    it reads that the recipient has not (`recipient.<field>`), a render that fails or
    goes past the limits, an empty result or a subject on more than one line are
    refused, each by name.
    Anyone who may send may render: the caller checks who that is.
    """

    def __init__(self, templates: TemplateReader, renderer: TemplateRenderer) -> None:
        self._templates = templates
        self._renderer = renderer

    async def __call__(self, cmd: RenderTemplateCommand) -> Rendered:
        errors = FieldErrors()
        channel = errors.check("channel", Channel.parse, cmd.channel)
        given = cmd.recipient.given()
        for name, value in given.items():
            if len(value) > RECIPIENT_FIELD_MAX:
                errors.add(f"recipient.{name}", f"must be at most {RECIPIENT_FIELD_MAX} characters")
        wanted = cmd.recipient.locale
        if cmd.locale is not None:
            wanted = errors.check("locale", parse_locale, cmd.locale)
        errors.raise_if_any()
        template = await find_template(self._templates, cmd.key)
        used, variant = template.variant_for(wanted, channel.value)
        sources = _parts(variant, channel)
        if not sources:
            raise InvalidInput.field(
                "channel", f"template {template.key!r} has no {channel.value} part"
            )
        declared = set(template.variables)
        personal = False
        for path, (source, html) in sources.items():
            names = self._renderer.check(source, html=html)
            personal = personal or RECIPIENT in names
            for name in sorted(names & declared):
                if name not in cmd.data:
                    errors.add(f"data.{name}", f"is required by the template ({path})")
        errors.raise_if_any()
        variables: dict[str, object] = {k: v for k, v in cmd.data.items() if k in declared}
        variables[RECIPIENT] = given
        out: dict[str, str] = {}
        missing: dict[str, list[str]] = {}  # each value read that is not there: its parts
        for path, (source, html) in sources.items():
            try:
                text = self._renderer.render(source, variables, html=html)
            except MissingValue as exc:
                if exc.path is None:
                    errors.add(path, exc.message)
                else:
                    missing.setdefault(exc.path, []).append(path)
                continue
            except InvalidValue as exc:
                errors.add(path, exc.message)
                continue
            if path != "email.html" and not text.strip():
                errors.add(path, "renders to empty text")
            elif path == "email.subject" and ("\n" in text or "\r" in text):
                errors.add(path, "renders to more than one line")
            out[path] = text
        for value, parts in missing.items():
            errors.add(*_missing(value, ", ".join(parts)))
        errors.raise_if_any()
        if channel is Channel.SMS:
            text = out["sms.text"]
            return Rendered(channel, used, text, sms=sms_segments(text), personal=personal)
        email = out["email.text"], out["email.subject"], out.get("email.html")
        return Rendered(channel, used, *email, personal=personal)


def _missing(value: str, parts: str) -> tuple[str, str]:
    """The field and message of a value the template's `parts` read that is not there:
    a recipient's field, or (the variables come from `data`) something in `data`."""
    name, _, field = value.partition(".")
    if name != RECIPIENT:
        return f"data.{value}", f"is required by the template ({parts})"
    if field in RECIPIENT_FIELDS:
        return value, f"the recipient has no {field.replace('_', ' ')} ({parts})"
    known = ", ".join(RECIPIENT_FIELDS)
    return value, f"a recipient has no field {field!r}, only {known} ({parts})"


def _parts(variant: Variant, channel: Channel) -> dict[str, tuple[str, bool]]:
    prefix = f"{channel.value}."
    return {path: part for path, part in variant.sources().items() if path.startswith(prefix)}
