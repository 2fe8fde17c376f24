"""/templates: message templates with per-locale variants, and a preview of what a
template sends. For admins and API keys with templates:write, which covers reading too: a
key that manages templates must read them."""

from datetime import datetime
from typing import Annotated, Any

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from application.paging import LIMITS
from application.policy import Caller, require_scope
from application.templates.delete_locale import DeleteTemplateLocale
from application.templates.delete_template import DeleteTemplate
from application.templates.get_template import GetTemplate
from application.templates.list_templates import ListTemplates, ListTemplatesQuery
from application.templates.render_template import (
    RecipientFields,
    Rendered,
    RenderTemplate,
    RenderTemplateCommand,
)
from application.templates.save_locale import SaveLocaleCommand, SaveTemplateLocale
from application.templates.save_template import SaveTemplate, SaveTemplateCommand
from domain.api_keys import Scope
from domain.preferences import Channel
from domain.templates import (
    DESCRIPTION_MAX,
    LOCALE_MAX,
    EmailPart,
    SmsPart,
    SmsSegments,
    Template,
    Variant,
    sms_segments,
)
from entrypoints.http.schemas import EXAMPLE_TIME, NO_NUL, documented, problem_responses, text
from entrypoints.http.security import SECURITY_WITH_KEYS, CallerDependency, allowed_to

_SOURCE = "a Jinja2 template, at most HERALD_TEMPLATE_MAX_BYTES bytes"


def _source(example: str) -> Any:
    return documented(example, pattern=NO_NUL, description=_SOURCE)


class SmsIn(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, _source("Hi {{ recipient.name }}, your code is {{ code }}")]


class EmailIn(msgspec.Struct, forbid_unknown_fields=True):
    subject: Annotated[str, _source("Your code")]
    text: Annotated[str, _source("Hi {{ recipient.name }}, your code is {{ code }}.")]
    html: Annotated[
        str | None, _source("<p>Hi {{ recipient.name }}, your code is <b>{{ code }}</b>.</p>")
    ] = None


class TemplateIn(msgspec.Struct, forbid_unknown_fields=True):
    description: Annotated[str, text("Sign-in code", DESCRIPTION_MAX)] = ""
    variables: Annotated[
        list[str],
        documented(["code"], description="every name the parts read; `recipient` is implied"),
    ] = msgspec.field(default_factory=list)
    sms: SmsIn | None = None
    email: EmailIn | None = None


class VariantIn(msgspec.Struct, forbid_unknown_fields=True):
    sms: SmsIn | None = None
    email: EmailIn | None = None


class SegmentsOut(msgspec.Struct):
    encoding: Annotated[str, documented("GSM-7", enum=["GSM-7", "UCS-2"])]
    segments: Annotated[int, documented(1, description="SMS messages it takes")]
    characters: Annotated[
        int, documented(42, description="in septets (GSM-7) or UTF-16 code units (UCS-2)")
    ]

    @classmethod
    def of(cls, counted: SmsSegments) -> "SegmentsOut":
        return cls(counted.encoding, counted.segments, counted.characters)


class SmsOut(msgspec.Struct):
    text: str
    segments: Annotated[
        SegmentsOut, documented(description="of the template's own text, before rendering")
    ]


class EmailOut(msgspec.Struct):
    subject: str
    text: str
    html: str | None


class VariantOut(msgspec.Struct):
    sms: SmsOut | None
    email: EmailOut | None

    @classmethod
    def of(cls, variant: Variant) -> "VariantOut":
        sms, email = variant.sms, variant.email
        return cls(
            sms=None if sms is None else SmsOut(sms.text, SegmentsOut.of(sms_segments(sms.text))),
            email=None if email is None else EmailOut(email.subject, email.text, email.html),
        )


_Time = Annotated[datetime, documented(EXAMPLE_TIME)]


class TemplateOut(msgspec.Struct):
    key: Annotated[str, documented("sign-in.code")]
    description: str
    variables: list[str]
    sms: SmsOut | None
    email: EmailOut | None
    locales: Annotated[dict[str, VariantOut], documented(description="variants by locale")]
    created_at: _Time
    updated_at: _Time

    @classmethod
    def of(cls, t: Template) -> "TemplateOut":
        default = VariantOut.of(t.default)
        return cls(
            key=t.key,
            description=t.description,
            variables=list(t.variables),
            sms=default.sms,
            email=default.email,
            locales={name: VariantOut.of(v) for name, v in sorted(t.locales.items())},
            created_at=t.created_at,
            updated_at=t.updated_at,
        )


class TemplatePageOut(msgspec.Struct):
    items: list[TemplateOut]
    next_cursor: Annotated[str | None, documented("c2lnbi1pbi5jb2Rl")]


class RecipientIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str | None, text("Ann", 200)] = None
    email: Annotated[str | None, text("ann@example.com", 254)] = None
    phone: Annotated[str | None, text("+15105552054", 32)] = None
    locale: Annotated[str | None, text("pt-BR", LOCALE_MAX)] = None
    external_id: Annotated[str | None, text("crm-1042", 200)] = None


class PreviewIn(msgspec.Struct, forbid_unknown_fields=True):
    channel: Annotated[str, documented("sms", enum=list(Channel))]
    data: Annotated[dict[str, Any], documented({"code": "493 201"})] = msgspec.field(
        default_factory=dict
    )
    locale: Annotated[
        str | None, text("pt-BR", LOCALE_MAX, description="default: the recipient's")
    ] = None
    recipient: RecipientIn | None = None


class RenderedOut(msgspec.Struct):
    channel: Channel
    locale: Annotated[str | None, documented("pt", description="the variant used; null: default")]
    text: str
    subject: str | None
    html: str | None
    sms: Annotated[SegmentsOut | None, documented(description="what the SMS will cost")]

    @classmethod
    def of(cls, r: Rendered) -> "RenderedOut":
        sms = None if r.sms is None else SegmentsOut.of(r.sms)
        return cls(r.channel, r.locale, r.text, r.subject, r.html, sms)


def _sms(part: SmsIn | None) -> SmsPart | None:
    return None if part is None else SmsPart(part.text)


def _email(part: EmailIn | None) -> EmailPart | None:
    return None if part is None else EmailPart(part.subject, part.text, part.html)


def _manages_templates(caller: Caller) -> None:
    require_scope(caller, Scope.TEMPLATES_WRITE)


class TemplateController(Controller):
    path = "/templates"
    tags = ["templates"]
    security = SECURITY_WITH_KEYS
    guards = [allowed_to(_manages_templates)]  # the use cases ask the policy too

    @put(
        "/{key:str}",
        summary="Create (201) or replace (200) a template; its locale variants stay",
        description=(
            "Parts are Jinja2 templates rendered in a sandbox; HTML is autoescaped. Every "
            "variable a part reads must be in `variables`; `recipient` (name, email, phone, "
            "locale, external_id) is always available. An SMS part's answer says how many "
            "segments its text takes."
        ),
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 413, 415, 422),
    )
    async def save(
        self,
        caller: CallerDependency,
        key: FromPath[str],
        data: JSONBody[TemplateIn],
        save: FromDishka[SaveTemplate],
    ) -> Response[TemplateOut]:
        saved = await save(
            SaveTemplateCommand(
                caller,
                key,
                data.description,
                data.variables,
                _sms(data.sms),
                _email(data.email),
            )
        )
        status = HTTP_201_CREATED if saved.created else HTTP_200_OK
        return Response(TemplateOut.of(saved.template), status_code=status)

    @get(
        "/{key:str}",
        summary="A template with its locale variants",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def read(
        self,
        caller: CallerDependency,
        key: FromPath[str],
        get_one: FromDishka[GetTemplate],
    ) -> TemplateOut:
        return TemplateOut.of(await get_one(caller, key))

    @get(summary="Templates in key order", responses=problem_responses(401, 403, 422))
    async def list_all(
        self,
        caller: CallerDependency,
        list_templates: FromDishka[ListTemplates],
        limit: Annotated[int, QueryParameter(ge=1, le=LIMITS.maximum)] = LIMITS.default,
        cursor: Annotated[
            str | None,
            QueryParameter(max_length=200, description="`next_cursor` of the previous page"),
        ] = None,
    ) -> TemplatePageOut:
        page = await list_templates(ListTemplatesQuery(caller, limit, cursor))
        return TemplatePageOut([TemplateOut.of(t) for t in page.items], page.next_cursor)

    @delete(
        "/{key:str}",
        summary="Delete a template and its variants",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(401, 403, 404, 422),
    )
    async def remove(
        self,
        caller: CallerDependency,
        key: FromPath[str],
        remove: FromDishka[DeleteTemplate],
    ) -> None:
        await remove(caller, key)

    @put(
        "/{key:str}/locales/{locale:str}",
        summary="Create (201) or replace (200) the variant of a template for one locale",
        description=(
            "A recipient's locale picks the variant: exact (`pt-BR`), then the language "
            "(`pt`), then the default. A part left out falls back the same way."
        ),
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404, 413, 415, 422),
    )
    async def save_locale(
        self,
        caller: CallerDependency,
        key: FromPath[str],
        locale: FromPath[str],
        data: JSONBody[VariantIn],
        save: FromDishka[SaveTemplateLocale],
    ) -> Response[TemplateOut]:
        saved = await save(
            SaveLocaleCommand(caller, key, locale, _sms(data.sms), _email(data.email))
        )
        status = HTTP_201_CREATED if saved.created else HTTP_200_OK
        return Response(TemplateOut.of(saved.template), status_code=status)

    @delete(
        "/{key:str}/locales/{locale:str}",
        summary="Delete the variant of one locale",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404, 422),
    )
    async def remove_locale(
        self,
        caller: CallerDependency,
        key: FromPath[str],
        locale: FromPath[str],
        remove: FromDishka[DeleteTemplateLocale],
    ) -> TemplateOut:
        return TemplateOut.of(await remove(caller, key, locale))

    @post(
        "/{key:str}/preview",
        summary="What a template would send on a channel, rendered with `data`",
        description=(
            "The locale is `locale`, else `recipient.locale`. A variable the part reads that "
            "`data` lacks is a 422 naming `data.<name>`, a field of `recipient` it reads that "
            "is not given one naming `recipient.<field>`; a template without a part for the "
            "channel is a 422 too."
        ),
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404, 413, 415, 422),
    )
    async def preview(
        self, key: FromPath[str], data: JSONBody[PreviewIn], render: FromDishka[RenderTemplate]
    ) -> RenderedOut:
        r = data.recipient or RecipientIn()
        recipient = RecipientFields(r.name, r.email, r.phone, r.locale, r.external_id)
        rendered = await render(
            RenderTemplateCommand(key, data.channel, data.data, recipient, data.locale)
        )
        return RenderedOut.of(rendered)
