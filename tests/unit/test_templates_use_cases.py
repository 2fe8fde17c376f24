"""Template use cases over the fakes: saving with its checks, locales, paging, access,
and rendering what would be sent."""

import pytest

from application.templates.delete_locale import DeleteTemplateLocale
from application.templates.delete_template import DeleteTemplate
from application.templates.get_template import GetTemplate
from application.templates.list_templates import ListTemplates, ListTemplatesQuery
from application.templates.render_template import (
    RecipientFields,
    RenderTemplate,
    RenderTemplateCommand,
)
from application.templates.save_locale import SaveLocaleCommand, SaveTemplateLocale
from application.templates.save_template import SaveTemplate, SaveTemplateCommand
from domain.accounts import Role
from domain.errors import InvalidInput, NotFound, PermissionDenied
from domain.preferences import Channel
from domain.templates import EmailPart, SmsPart, SmsSegments
from tests.support.accounts import new_user
from tests.support.container import Fakes, use_cases

ADMIN = new_user("root", Role.ADMIN)
ANN = new_user("ann")
SMS = SmsPart("Hi {{ recipient.name|default('there') }}, code {{ code }}")
EMAIL = EmailPart("Code for {{ recipient.name }}", "Code {{ code }}", "<b>{{ code }}</b>")


def command(key: str = "code", **changes: object) -> SaveTemplateCommand:
    values: dict[str, object] = {
        "requester": ADMIN,
        "key": key,
        "description": "Sign-in code",
        "variables": ["code"],
        "sms": SMS,
        "email": EMAIL,
    }
    return SaveTemplateCommand(**(values | changes))  # type: ignore[arg-type]


def fields(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {e.field: e.message for e in exc.value.errors}


async def test_save_creates_then_replaces_keeping_created_at() -> None:
    fakes = Fakes()
    async with use_cases(fakes) as request:
        save = await request.get(SaveTemplate)
        first = await save(command())
        assert first.created
        fakes.clock.advance(seconds=60)
        second = await save(command(description="new"))
    assert not second.created
    assert second.template.created_at == first.template.created_at
    assert second.template.updated_at > first.template.updated_at
    assert (await fakes.templates.get("code")) == second.template


async def test_save_names_every_bad_field() -> None:
    async with use_cases(Fakes()) as request:
        save = await request.get(SaveTemplate)
        with pytest.raises(InvalidInput) as exc:
            await save(command("Bad Key", description="x" * 501, variables=["ok", "1bad"]))
        assert set(fields(exc)) == {"key", "description", "variables[1]"}
        with pytest.raises(InvalidInput) as exc:
            await save(command(variables=["code", "code"]))
        assert set(fields(exc)) == {"variables"}
        with pytest.raises(InvalidInput) as exc:
            await save(command(variables=[f"v{i}" for i in range(101)]))
        assert fields(exc) == {"variables": "must hold at most 100 names"}
        with pytest.raises(InvalidInput) as exc:
            await save(command(sms=None, email=None))
        assert fields(exc) == {"body": "needs an sms or an email part"}


async def test_save_checks_each_part() -> None:
    async with use_cases(Fakes(), template_max_bytes=256) as request:
        save = await request.get(SaveTemplate)
        with pytest.raises(InvalidInput) as exc:
            await save(
                command(
                    variables=[],
                    sms=SmsPart("{{ code }}"),
                    email=EmailPart("{{ ''.__class__ }}", "x" * 257, "{% if %}"),
                )
            )
    errors = fields(exc)
    assert errors["sms.text"] == "uses undeclared variables: code"
    assert "__class__" in errors["email.subject"]
    assert errors["email.text"] == "must be at most 256 bytes"
    assert "line 1" in errors["email.html"]


async def test_replacing_checks_the_locales_against_the_new_variables() -> None:
    async with use_cases(Fakes()) as request:
        await (await request.get(SaveTemplate))(command())
        await (await request.get(SaveTemplateLocale))(
            SaveLocaleCommand(ADMIN, "code", "pt", SmsPart("Código {{ code }}"), None)
        )
        with pytest.raises(InvalidInput) as exc:
            await (await request.get(SaveTemplate))(
                command(variables=[], sms=SmsPart("Hi"), email=None)
            )
    assert fields(exc) == {"locales.pt.sms.text": "uses undeclared variables: code"}


async def test_only_admins_manage_templates() -> None:
    async with use_cases(Fakes()) as request:
        with pytest.raises(PermissionDenied):
            await (await request.get(SaveTemplate))(command(requester=ANN))
        with pytest.raises(PermissionDenied):
            await (await request.get(GetTemplate))(ANN, "code")
        with pytest.raises(PermissionDenied):
            await (await request.get(ListTemplates))(ListTemplatesQuery(ANN))
        with pytest.raises(PermissionDenied):
            await (await request.get(DeleteTemplate))(ANN, "code")


async def test_locales_saved_replaced_and_deleted() -> None:
    async with use_cases(Fakes()) as request:
        await (await request.get(SaveTemplate))(command())
        save_locale = await request.get(SaveTemplateLocale)
        first = await save_locale(SaveLocaleCommand(ADMIN, "code", "PT-br", SmsPart("Oi"), None))
        again = await save_locale(SaveLocaleCommand(ADMIN, "code", "pt-BR", SmsPart("Olá"), None))
        assert first.created
        assert not again.created
        assert set(again.template.locales) == {"pt-BR"}
        with pytest.raises(InvalidInput) as exc:
            await save_locale(SaveLocaleCommand(ADMIN, "code", "pt_BR", SmsPart("x"), None))
        assert set(fields(exc)) == {"locale"}
        with pytest.raises(NotFound):
            await save_locale(SaveLocaleCommand(ADMIN, "nope", "pt", SmsPart("x"), None))
        remove = await request.get(DeleteTemplateLocale)
        assert (await remove(ADMIN, "code", "pt-br")).locales == {}
        with pytest.raises(NotFound):
            await remove(ADMIN, "code", "pt-BR")


async def test_list_pages_by_key() -> None:
    async with use_cases(Fakes()) as request:
        for key in ("c", "a", "b"):
            await (await request.get(SaveTemplate))(command(key))
        list_templates = await request.get(ListTemplates)
        first = await list_templates(ListTemplatesQuery(ADMIN, limit=2))
        assert [t.key for t in first.items] == ["a", "b"]
        rest = await list_templates(ListTemplatesQuery(ADMIN, limit=2, cursor=first.next_cursor))
        assert [t.key for t in rest.items] == ["c"]
        assert rest.next_cursor is None
        with pytest.raises(InvalidInput) as exc:
            await list_templates(ListTemplatesQuery(ADMIN, limit=0, cursor="!!"))
        assert set(fields(exc)) == {"limit", "cursor"}


async def test_delete() -> None:
    fakes = Fakes()
    async with use_cases(fakes) as request:
        await (await request.get(SaveTemplate))(command())
        await (await request.get(DeleteTemplate))(ADMIN, "code")
        assert await fakes.templates.get("code") is None
        with pytest.raises(NotFound):
            await (await request.get(DeleteTemplate))(ADMIN, "code")


async def test_render_picks_the_locale_and_counts_segments() -> None:
    async with use_cases(Fakes()) as request:
        await (await request.get(SaveTemplate))(command())
        await (await request.get(SaveTemplateLocale))(
            SaveLocaleCommand(ADMIN, "code", "pt", SmsPart("Olá {{ recipient.name }} 👋"), None)
        )
        render = await request.get(RenderTemplate)
        sms = await render(
            RenderTemplateCommand(
                "code", "sms", {"code": "123"}, RecipientFields(name="Ana", locale="pt-BR")
            )
        )
        assert (sms.locale, sms.text) == ("pt", "Olá Ana 👋")
        assert sms.sms == SmsSegments("UCS-2", 1, 10)
        default = await render(RenderTemplateCommand("code", "sms", {"code": "123"}))
        assert (default.locale, default.text) == (None, "Hi there, code 123")
        assert default.sms == SmsSegments("GSM-7", 1, 18)
        email = await render(
            RenderTemplateCommand(
                "code", "email", {"code": "<1>"}, RecipientFields(name="Ann"), locale="pt"
            )
        )
    assert email.channel is Channel.EMAIL
    assert (email.locale, email.subject, email.text) == (None, "Code for Ann", "Code <1>")
    assert email.html == "<b>&lt;1&gt;</b>"
    assert email.sms is None


async def test_render_names_what_is_missing() -> None:
    async with use_cases(Fakes()) as request:
        await (await request.get(SaveTemplate))(command(email=None))
        render = await request.get(RenderTemplate)
        with pytest.raises(InvalidInput) as exc:
            await render(RenderTemplateCommand("code", "sms"))
        assert fields(exc) == {"data.code": "is required by the template (sms.text)"}
        with pytest.raises(InvalidInput) as exc:
            await render(RenderTemplateCommand("code", "email", {"code": 1}))
        assert fields(exc) == {"channel": "template 'code' has no email part"}
        with pytest.raises(InvalidInput) as exc:
            await render(RenderTemplateCommand("code", "fax", locale="x y"))
        assert set(fields(exc)) == {"channel", "locale"}
        with pytest.raises(NotFound):
            await render(RenderTemplateCommand("nope", "sms"))


async def test_render_refuses_empty_text_and_a_subject_on_two_lines() -> None:
    async with use_cases(Fakes()) as request:
        await (await request.get(SaveTemplate))(
            command(
                variables=["code", "who"],
                sms=SmsPart("{{ code }}"),
                email=EmailPart("Hi {{ who }}", "Code {{ code }}"),
            )
        )
        render = await request.get(RenderTemplate)
        with pytest.raises(InvalidInput) as exc:
            await render(RenderTemplateCommand("code", "sms", {"code": " "}))
        assert fields(exc) == {"sms.text": "renders to empty text"}
        with pytest.raises(InvalidInput) as exc:
            await render(RenderTemplateCommand("code", "email", {"code": 1, "who": "a\r\nBcc: x"}))
        assert fields(exc) == {"email.subject": "renders to more than one line"}


async def test_render_bounds_the_output() -> None:
    async with use_cases(Fakes(), template_max_rendered_bytes=1024) as request:
        await (await request.get(SaveTemplate))(command(email=None))
        render = await request.get(RenderTemplate)
        with pytest.raises(InvalidInput) as exc:
            await render(RenderTemplateCommand("code", "sms", {"code": "x" * 2000}))
    assert fields(exc) == {"sms.text": "renders to more than 1024 bytes"}
