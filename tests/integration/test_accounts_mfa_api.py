"""Two-factor sign-in through the whole app: /me/mfa (on, confirm, off), the login's
challenge and /auth/mfa, the staff requirement, and every bad input. The app runs on a
fixed clock; pyotp computes the codes, as an authenticator app would. The round trip
runs on SQLite and PostgreSQL, the rest on SQLite."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from dishka import Provider, Scope, provide
from litestar.testing import AsyncTestClient

from adapters.sql.database import make_engine
from application.accounts.sign_up import CreateAdmin, SignUpCommand
from application.ports.clock import Clock
from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from tests.conftest import make_settings
from tests.support.auth import bearer, key_headers, login, signup
from tests.support.databases import migrated_empty
from tests.support.fakes import FakeClock
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]
PASSWORD = "password123"
AUDIT = "herald.audit"


class FixedClock(Provider):
    scope = Scope.APP

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self._clock = clock

    @provide
    def clock(self) -> Clock:
        return self._clock


class App:
    def __init__(self, client: Client, clock: FakeClock, container: Any) -> None:
        self.client = client
        self.clock = clock
        self.container = container

    def code(self, secret: str, *, steps: int = 0) -> str:
        return pyotp.TOTP(secret).at(self.clock.now() + timedelta(seconds=30 * steps))

    def wrong(self, secret: str) -> str:
        near = {self.code(secret, steps=s) for s in (-1, 0, 1)}
        return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)

    def next_step(self) -> None:
        self.clock.advance(seconds=30)

    async def enrol(self, headers: dict[str, str]) -> tuple[str, list[str]]:
        """Turn two-factor sign-in on; the secret and the recovery codes."""
        started = await self.client.post("/me/mfa", headers=headers)
        assert started.status_code == 201, started.text
        secret = started.json()["secret"]
        confirmed = await self.client.post(
            "/me/mfa/confirm", headers=headers, json={"code": self.code(secret)}
        )
        assert confirmed.status_code == 200, confirmed.text
        self.next_step()
        return secret, confirmed.json()["recovery_codes"]

    async def challenge(self, username: str = "ann") -> str:
        answer = await self.client.post(
            "/auth/login", json={"username": username, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["mfa_required"] is True
        return str(answer.json()["challenge"])

    async def mfa(self, challenge: str, code: str) -> Any:
        return await self.client.post("/auth/mfa", json={"challenge": challenge, "code": code})


@asynccontextmanager
async def running(tmp_path: Path, url: str | None = None, **settings: object) -> AsyncIterator[App]:
    clock = FakeClock(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    config = make_settings(url or f"sqlite+aiosqlite:///{tmp_path}/herald.db", **settings)
    # Migrated on an engine of its own: the app's connections belong to the test client's
    # event loop.
    engine = make_engine(config.database.url, pool_size=1)
    await migrated_empty(engine)
    await engine.dispose()
    container = make_container(config, FixedClock(clock))
    try:
        async with AsyncTestClient(create_app(config, container)) as client:
            yield App(client, clock, container)
    finally:
        await container.close()


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running(tmp_path) as app:
        yield app


@pytest.fixture(params=["sqlite", "postgres"])
async def any_app(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[App]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    async with running(tmp_path, url) as app:
        yield app


async def test_turning_mfa_on_logging_in_with_a_code_and_turning_it_off(
    any_app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app = any_app
    caplog.set_level("INFO", logger=AUDIT)
    client = app.client
    ann = await bearer(client, "ann")
    me = (await client.get("/me", headers=ann)).json()
    assert me["mfa"] is False
    started = await client.post("/me/mfa", headers=ann)
    assert started.status_code == 201
    secret = started.json()["secret"]
    assert started.json()["otpauth_uri"] == (
        f"otpauth://totp/Herald:ann?secret={secret}&issuer=Herald"
    )
    assert (await client.get("/me", headers=ann)).json()["mfa"] is False  # pending
    assert "access_token" in await login(client, "ann")  # not on yet
    confirmed = await client.post("/me/mfa/confirm", headers=ann, json={"code": app.code(secret)})
    assert confirmed.status_code == 200
    codes = confirmed.json()["recovery_codes"]
    assert confirmed.json()["mfa"] is True
    assert len(set(codes)) == 10
    for path in ("/me", "/auth/me"):
        assert (await client.get(path, headers=ann)).json()["mfa"] is True
    app.next_step()

    answer = await client.post("/auth/login", json={"username": "ann", "password": PASSWORD})
    assert answer.status_code == 200
    body = answer.json()
    assert body["mfa_required"] is True
    assert body["expires_in"] == 300
    assert "access_token" not in body
    assert "refresh_token" not in body
    form = await client.post("/auth/login", data={"username": "ann", "password": PASSWORD})
    assert form.json()["mfa_required"] is True  # the OAuth2 form too
    tokens = await app.mfa(body["challenge"], app.code(secret))
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["token_type"] == "bearer"
    signed_in = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    assert (await client.get("/me", headers=signed_in)).json()["username"] == "ann"
    refreshed = await client.post(
        "/auth/refresh", json={"refresh_token": tokens.json()["refresh_token"]}
    )
    assert refreshed.status_code == 200

    app.next_step()
    off = await client.request("DELETE", "/me/mfa", headers=ann, json={"code": app.code(secret)})
    assert off.status_code == 204, off.text
    assert (await client.get("/me", headers=ann)).json()["mfa"] is False
    assert "access_token" in await login(client, "ann")
    assert [r.getMessage() for r in caplog.records if r.name == AUDIT] == [
        "mfa enrolment started",
        "mfa turned on",
        "mfa turned off",
    ]
    assert not any(secret in r.getMessage() or codes[0] in r.getMessage() for r in caplog.records)


async def test_enrolment_refuses_what_does_not_fit(app: App) -> None:
    client = app.client
    ann = await bearer(client, "ann")
    none_yet = await client.post("/me/mfa/confirm", headers=ann, json={"code": "123456"})
    assert "no two-factor enrolment is in progress" in assert_problem(none_yet, 409)["detail"]
    secret = (await client.post("/me/mfa", headers=ann)).json()["secret"]
    wrong = await client.post("/me/mfa/confirm", headers=ann, json={"code": app.wrong(secret)})
    assert assert_problem(wrong, 422)["errors"] == [
        {"field": "code", "message": "is wrong or expired"}
    ]
    for body, field in [
        ({"code": "12345"}, "code"),
        ({"code": "12\u00003456"}, "code"),
        ({"code": "1" * 100}, "code"),
        ({"code": 123456}, "code"),
        ({}, "code"),
        ({"code": app.code(secret), "extra": 1}, "extra"),
    ]:
        refused = await client.post("/me/mfa/confirm", headers=ann, json=body)
        assert [e["field"] for e in assert_problem(refused, 422)["errors"]] == [field], body
    not_json = await client.post(
        "/me/mfa/confirm",
        headers={**ann, "Content-Type": "application/json"},
        content=b'{"code": ',
    )
    assert_problem(not_json, 400)
    assert (
        await client.post("/me/mfa/confirm", headers=ann, json={"code": app.code(secret)})
    ).status_code == 200
    again = await client.post(
        "/me/mfa/confirm", headers=ann, json={"code": app.code(secret, steps=1)}
    )
    assert "on already" in assert_problem(again, 409)["detail"]
    assert_problem(await client.post("/me/mfa", headers=ann), 409)
    for method, path in (("POST", "/me/mfa"), ("POST", "/me/mfa/confirm"), ("DELETE", "/me/mfa")):
        anonymous = await client.request(method, path, json={"code": "123456"})
        assert_problem(anonymous, 401)


async def test_turning_mfa_off_needs_it_on_and_a_right_code(app: App) -> None:
    client = app.client
    ann = await bearer(client, "ann")
    assert_problem(
        await client.request("DELETE", "/me/mfa", headers=ann, json={"code": "123456"}), 409
    )
    secret, codes = await app.enrol(ann)
    wrong = await client.request("DELETE", "/me/mfa", headers=ann, json={"code": app.wrong(secret)})
    assert assert_problem(wrong, 422)["errors"][0]["field"] == "code"
    missing = await client.request("DELETE", "/me/mfa", headers=ann, json={})
    assert_problem(missing, 422)
    off = await client.request("DELETE", "/me/mfa", headers=ann, json={"code": codes[0]})
    assert off.status_code == 204  # a recovery code does it too
    assert (await client.get("/me", headers=ann)).json()["mfa"] is False


async def test_a_code_is_good_once_and_a_challenge_for_a_few_minutes(app: App) -> None:
    client = app.client
    secret, _ = await app.enrol(await bearer(client, "ann"))
    code = app.code(secret)
    assert (await app.mfa(await app.challenge(), code)).status_code == 200
    reused = await app.mfa(await app.challenge(), code)
    assert "used already" in assert_problem(reused, 401)["detail"]
    assert reused.headers["www-authenticate"].startswith("Bearer")
    wrong = await app.mfa(await app.challenge(), app.wrong(secret))
    assert assert_problem(wrong, 401)["detail"] == "the code is wrong or expired"
    challenge = await app.challenge()
    app.clock.advance(seconds=301)
    expired = await app.mfa(challenge, app.code(secret))
    assert "challenge is invalid or expired" in assert_problem(expired, 401)["detail"]
    for bad in ("nonsense", "a" * 5000, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."):
        assert_problem(await app.mfa(bad, app.code(secret)), 401)
    malformed = await app.mfa(await app.challenge(), "abc")
    assert assert_problem(malformed, 422)["errors"][0]["field"] == "code"
    for body in ({"challenge": "x"}, {"code": "123456"}, {"challenge": 1, "code": "123456"}):
        assert_problem(await client.post("/auth/mfa", json=body), 422)
    access = (await app.mfa(await app.challenge(), app.code(secret))).json()["access_token"]
    assert_problem(await app.mfa(access, app.code(secret, steps=1)), 401)  # no challenge


async def test_a_recovery_code_signs_in_once(app: App, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger=AUDIT)
    _, codes = await app.enrol(await bearer(app.client, "ann"))
    first = await app.mfa(await app.challenge(), codes[0].lower().replace("-", " "))
    assert first.status_code == 200, first.text
    second = await app.mfa(await app.challenge(), codes[0])
    assert "not an unused recovery code" in assert_problem(second, 401)["detail"]
    used = [r for r in caplog.records if r.getMessage() == "mfa recovery code used"]
    assert [getattr(r, "recovery_codes_left", None) for r in used] == [9]


async def test_wrong_codes_are_limited_per_account(app: App) -> None:
    secret, _ = await app.enrol(await bearer(app.client, "ann"))
    await bearer(app.client, "bob")
    challenge = await app.challenge()
    for _ in range(5):
        assert_problem(await app.mfa(challenge, app.wrong(secret)), 401)
    limited = await app.mfa(await app.challenge(), app.code(secret))  # even a right code
    assert "too many wrong two-factor codes" in assert_problem(limited, 429)["detail"]
    assert 0 < int(limited.headers["retry-after"]) <= 600
    # Another account is not held back.
    bob = await bearer(app.client, "bob")
    bobs_secret, _ = await app.enrol(bob)
    assert (await app.mfa(await app.challenge("bob"), app.code(bobs_secret))).status_code == 200


async def test_staff_must_enrol_when_the_setting_says_so(tmp_path: Path) -> None:
    async with running(tmp_path, mfa_required_for_staff=True) as app:
        client = app.client
        await signup(client, "ann")
        assert "access_token" in await login(client, "ann")  # users are not held to it
        async with app.container() as request:  # as `herald create-admin` does
            await (await request.get(CreateAdmin))(SignUpCommand("root", PASSWORD))
        refused = await client.post("/auth/login", json={"username": "root", "password": PASSWORD})
        problem = assert_problem(refused, 403)
        assert problem["code"] == "mfa_enrolment_required"
        assert problem["expires_in"] == 300
        challenge = problem["challenge"]
        # The challenge is good for enrolling only.
        assert_problem(await app.mfa(challenge, "123456"), 401)
        started = await client.post("/auth/mfa/enrol", json={"challenge": challenge})
        assert started.status_code == 201, started.text
        secret = started.json()["secret"]
        assert "Herald:root" in started.json()["otpauth_uri"]
        wrong = await client.post(
            "/auth/mfa/enrol/confirm", json={"challenge": challenge, "code": app.wrong(secret)}
        )
        assert_problem(wrong, 422)
        confirmed = await client.post(
            "/auth/mfa/enrol/confirm", json={"challenge": challenge, "code": app.code(secret)}
        )
        assert confirmed.status_code == 200, confirmed.text
        assert len(confirmed.json()["recovery_codes"]) == 10
        again = await client.post("/auth/mfa/enrol", json={"challenge": challenge})
        assert_problem(again, 409)
        app.next_step()
        login_challenge = await app.challenge("root")
        assert_problem(
            await client.post("/auth/mfa/enrol", json={"challenge": login_challenge}), 401
        )
        tokens = await app.mfa(login_challenge, app.code(secret))
        assert tokens.status_code == 200
        admin = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
        assert (await client.get("/admin/users", headers=admin)).status_code == 200
        for body in ({"challenge": "nonsense"}, {"challenge": ""}):
            answer = await client.post("/auth/mfa/enrol", json=body)
            assert answer.status_code == 401, answer.text
        assert_problem(await client.post("/auth/mfa/enrol", json={}), 422)


async def test_an_api_key_has_no_second_factor_and_bodies_are_json(app: App) -> None:
    async with app.container() as request:
        await (await request.get(CreateAdmin))(SignUpCommand("root", PASSWORD))
    admin = {"Authorization": f"Bearer {(await login(app.client, 'root'))['access_token']}"}
    key = await key_headers(app.client, admin, "recipients:read")
    for method, path in (("POST", "/me/mfa"), ("POST", "/me/mfa/confirm"), ("DELETE", "/me/mfa")):
        refused = await app.client.request(method, path, headers=key, json={"code": "123456"})
        assert "API key acts as a service" in assert_problem(refused, 403)["detail"]
    form = await app.client.post("/auth/mfa", data={"challenge": "x", "code": "123456"})
    assert_problem(form, 415)
