"""Templates through the whole app: /templates, its locales and the preview."""

from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from tests.support.auth import admin_bearer, bearer
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]

BODY = {
    "description": "Sign-in code",
    "variables": ["code"],
    "sms": {"text": "Hi {{ recipient.name|default('there') }}, your code is {{ code }}"},
    "email": {
        "subject": "Your code",
        "text": "Code: {{ code }}",
        "html": "<p>Code: <b>{{ code }}</b></p>",
    },
}


@pytest.fixture
async def admin(client: Client, container: AsyncContainer) -> dict[str, str]:
    return await admin_bearer(client, container)


def errors(response: Any) -> dict[str, str]:
    body = assert_problem(response, 422)
    return {e["field"]: e["message"] for e in body["errors"]}


async def test_put_creates_then_replaces(client: Client, admin: dict[str, str]) -> None:
    created = await client.put("/templates/sign-in.code", json=BODY, headers=admin)
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["key"] == "sign-in.code"
    assert out["variables"] == ["code"]
    assert out["sms"]["segments"] == {"encoding": "GSM-7", "segments": 1, "characters": 74}
    assert out["email"]["html"] == BODY["email"]["html"]  # type: ignore[index]
    assert out["locales"] == {}
    assert out["created_at"].endswith("Z")
    replaced = await client.put(
        "/templates/sign-in.code", json={**BODY, "description": "new"}, headers=admin
    )
    assert replaced.status_code == 200
    assert replaced.json()["description"] == "new"
    assert replaced.json()["created_at"] == out["created_at"]
    read = await client.get("/templates/sign-in.code", headers=admin)
    assert read.status_code == 200
    assert read.json() == replaced.json()


async def test_list_pages(client: Client, admin: dict[str, str]) -> None:
    for key in ("b", "a", "c"):
        assert (await client.put(f"/templates/{key}", json=BODY, headers=admin)).status_code == 201
    first = await client.get("/templates", params={"limit": 2}, headers=admin)
    assert [t["key"] for t in first.json()["items"]] == ["a", "b"]
    rest = await client.get(
        "/templates", params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=admin
    )
    assert [t["key"] for t in rest.json()["items"]] == ["c"]
    assert rest.json()["next_cursor"] is None
    bad = await client.get("/templates", params={"cursor": "%%%"}, headers=admin)
    assert set(errors(bad)) == {"cursor"}


async def test_delete(client: Client, admin: dict[str, str]) -> None:
    await client.put("/templates/gone", json=BODY, headers=admin)
    assert (await client.delete("/templates/gone", headers=admin)).status_code == 204
    assert_problem(await client.get("/templates/gone", headers=admin), 404)
    assert_problem(await client.delete("/templates/gone", headers=admin), 404)


async def test_locales(client: Client, admin: dict[str, str]) -> None:
    await client.put("/templates/code", json=BODY, headers=admin)
    pt = {"sms": {"text": "Olá {{ recipient.name }}, o seu código é {{ code }} 👋"}}
    created = await client.put("/templates/code/locales/pt", json=pt, headers=admin)
    assert created.status_code == 201, created.text
    segments = created.json()["locales"]["pt"]["sms"]["segments"]
    assert segments == {"encoding": "UCS-2", "segments": 1, "characters": 54}
    again = await client.put("/templates/code/locales/pt", json=pt, headers=admin)
    assert again.status_code == 200
    preview = await client.post(
        "/templates/code/preview",
        json={
            "channel": "sms",
            "data": {"code": "42"},
            "recipient": {"name": "Ana", "locale": "pt-BR"},
        },
        headers=admin,
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["locale"] == "pt"
    assert preview.json()["text"] == "Olá Ana, o seu código é 42 👋"
    removed = await client.delete("/templates/code/locales/pt", headers=admin)
    assert removed.status_code == 200
    assert removed.json()["locales"] == {}
    assert_problem(await client.delete("/templates/code/locales/pt", headers=admin), 404)
    assert_problem(await client.put("/templates/nope/locales/pt", json=pt, headers=admin), 404)
    bad = await client.put("/templates/code/locales/pt_BR", json={}, headers=admin)
    assert set(errors(bad)) == {"locale"}


async def test_preview_email_is_escaped(client: Client, admin: dict[str, str]) -> None:
    await client.put("/templates/code", json=BODY, headers=admin)
    r = await client.post(
        "/templates/code/preview",
        json={"channel": "email", "data": {"code": "<script>"}},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "channel": "email",
        "locale": None,
        "text": "Code: <script>",
        "subject": "Your code",
        "html": "<p>Code: <b>&lt;script&gt;</b></p>",
        "sms": None,
    }


async def test_preview_names_what_is_missing(client: Client, admin: dict[str, str]) -> None:
    await client.put("/templates/sms-only", json={**BODY, "email": None}, headers=admin)
    missing = await client.post(
        "/templates/sms-only/preview", json={"channel": "sms", "data": {}}, headers=admin
    )
    assert errors(missing) == {"data.code": "is required by the template (sms.text)"}
    no_part = await client.post(
        "/templates/sms-only/preview", json={"channel": "email"}, headers=admin
    )
    assert errors(no_part) == {"channel": "template 'sms-only' has no email part"}
    unknown = await client.post("/templates/nope/preview", json={"channel": "sms"}, headers=admin)
    assert_problem(unknown, 404)


async def test_preview_names_a_recipient_field_the_recipient_lacks(
    client: Client, admin: dict[str, str]
) -> None:
    body = {
        "variables": ["order"],
        "sms": {"text": "About {{ order.id }}: call {{ recipient.phone }}"},
        "email": {
            "subject": "For {{ recipient.phone }}",
            "text": "{% if recipient.phone %}call{% endif %}",
            "html": "<p>{{ recipient.name|default('you') }}, {{ recipient.age }}</p>",
        },
    }
    assert (await client.put("/templates/call", json=body, headers=admin)).status_code == 201
    no_id = await client.post(
        "/templates/call/preview",
        json={"channel": "sms", "data": {"order": {}}, "recipient": {"name": "Ann"}},
        headers=admin,
    )
    assert errors(no_id) == {"data.order.id": "is required by the template (sms.text)"}
    no_phone = await client.post(
        "/templates/call/preview",
        json={"channel": "sms", "data": {"order": {"id": 7}}, "recipient": {"name": "Ann"}},
        headers=admin,
    )
    assert errors(no_phone) == {"recipient.phone": "the recipient has no phone (sms.text)"}
    email = await client.post(
        "/templates/call/preview",
        json={"channel": "email", "data": {"order": {}}, "recipient": {"name": "Ann"}},
        headers=admin,
    )
    assert errors(email) == {
        "recipient.phone": "the recipient has no phone (email.subject, email.text)",
        "recipient.age": "a recipient has no field 'age', only name, email, phone, locale, "
        "external_id (email.html)",
    }
    with_phone = await client.post(
        "/templates/call/preview",
        json={"channel": "sms", "data": {"order": {"id": 7}}, "recipient": {"phone": "+1 555"}},
        headers=admin,
    )
    assert with_phone.json()["text"] == "About 7: call +1 555"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**BODY, "sms": {"text": "{{ ''.__class__.__mro__ }}"}}, "sms.text"),
        ({**BODY, "sms": {"text": "{{ cycler.__init__.__globals__ }}"}}, "sms.text"),
        ({**BODY, "sms": {"text": "{{ self }}"}}, "sms.text"),
        ({**BODY, "sms": {"text": "{{ secret }}"}}, "sms.text"),
        ({**BODY, "sms": {"text": "{% for %}"}}, "sms.text"),
        ({**BODY, "sms": {"text": ""}}, "sms.text"),
        ({**BODY, "sms": {"text": "x" * 40000}}, "sms.text"),
        (
            {**BODY, "email": {"subject": "a", "text": "b", "html": "{% include 'x' %}"}},
            "email.html",
        ),
        ({**BODY, "description": "d" * 501}, "description"),
        ({**BODY, "variables": ["recipient"]}, "variables[0]"),
        ({**BODY, "variables": "code"}, "variables"),
        ({**BODY, "sms": None, "email": None}, "body"),
        ({**BODY, "unknown": 1}, "unknown"),
        ({**BODY, "sms": {"text": "a", "extra": 1}}, "sms.extra"),
        ({**BODY, "email": {"text": "a"}}, "email.subject"),
        ({**BODY, "email": {"subject": 5, "text": "a"}}, "email.subject"),
        ({**BODY, "email": {"subject": "{{ nope }}", "text": "a"}}, "email.subject"),
        ({**BODY, "email": {"subject": "a\x00", "text": "a"}}, "email.subject"),
        ({**BODY, "email": "a"}, "email"),
    ],
)
async def test_bad_templates_are_422_naming_the_field(
    client: Client, admin: dict[str, str], body: dict[str, Any], field: str
) -> None:
    r = await client.put("/templates/t", json=body, headers=admin)
    assert field in errors(r), r.text
    assert r.json()["detail"].startswith(f"{field}: ")
    assert_problem(await client.get("/templates/t", headers=admin), 404)  # nothing saved


async def test_bad_keys_nul_and_bad_bodies(client: Client, admin: dict[str, str]) -> None:
    assert set(errors(await client.put("/templates/Bad%20Key", json=BODY, headers=admin))) == {
        "key"
    }
    assert set(errors(await client.put(f"/templates/{'k' * 101}", json=BODY, headers=admin))) == {
        "key"
    }
    nul = await client.put("/templates/t", json={**BODY, "sms": {"text": "a\x00b"}}, headers=admin)
    assert nul.status_code in (400, 422)
    not_json = await client.put(
        "/templates/t",
        content=b"\xff\xfe",
        headers={**admin, "Content-Type": "application/json"},
    )
    assert_problem(not_json, 400)


async def test_a_render_past_its_bounds_is_422(client: Client, admin: dict[str, str]) -> None:
    loop = "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}"
    await client.put(
        "/templates/slow", json={"sms": {"text": loop + "x"}, "variables": []}, headers=admin
    )
    r = await client.post("/templates/slow/preview", json={"channel": "sms"}, headers=admin)
    assert "sms.text" in errors(r)


async def test_only_admins(client: Client, container: AsyncContainer) -> None:
    user = await bearer(client, "ann")
    for method, path in [
        ("put", "/templates/t"),
        ("get", "/templates/t"),
        ("get", "/templates"),
        ("delete", "/templates/t"),
        ("put", "/templates/t/locales/pt"),
        ("delete", "/templates/t/locales/pt"),
        ("post", "/templates/t/preview"),
    ]:
        answer = await client.request(method, path, headers=user, json=BODY)
        assert_problem(answer, 403)
        assert_problem(await client.request(method, path, json=BODY), 401)
