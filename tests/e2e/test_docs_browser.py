"""/docs in a real browser, on a real `herald serve`: the UI loads from Herald alone (no
CDN), lists the operations, logs in through Authorize and runs GET /me."""

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.browser import launch_chromium
from tests.support.processes import free_port, herald_env, running, wait_http

pytestmark = pytest.mark.e2e

USERNAME = "offline.reader"
PASSWORD = "correct horse battery"


@pytest.fixture
def herald_url(tmp_path: Path) -> Iterator[str]:
    """The embedded default (SQLite in a temporary data dir), with one user signed up."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = herald_env()  # the README's run command: no HERALD_* at all
    with running("serve", "--port", str(port), env=env, cwd=tmp_path, log=tmp_path / "api.log"):
        assert wait_http(f"{base}/health/ready").status_code == 200
        signup = httpx.post(
            f"{base}/auth/signup", json={"username": USERNAME, "password": PASSWORD}
        )
        assert signup.status_code == 201, signup.text
        yield base


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def _log_in(page: Page) -> None:
    page.get_by_role("button", name="Authorize", exact=True).click()
    dialog = page.locator(".modal-ux")
    dialog.get_by_label("username:").fill(USERNAME)
    dialog.get_by_label("password:").fill(PASSWORD)
    with page.expect_response("**/auth/login") as login:
        dialog.get_by_role("button", name="Apply given OAuth2 credentials").click()
    assert login.value.status == 200, login.value.text()
    expect(dialog.get_by_role("button", name="Remove authorization")).to_be_visible()
    # Each security scheme (the login, the API key) has its own Close; either closes it.
    dialog.get_by_role("button", name="Close", exact=True).first.click()


def test_docs_work_offline_and_run_get_me(browser: Browser, herald_url: str) -> None:
    page = browser.new_page()
    page.set_default_timeout(10_000)
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    page.on(
        "response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None,
    )

    def foreign() -> list[str]:
        herald = urlsplit(herald_url).netloc
        return [url for url in requested if urlsplit(url).netloc != herald]

    page.goto(f"{herald_url}/docs")
    assert not foreign(), f"/docs loaded files from elsewhere: {foreign()}"

    # The first render parses Swagger UI's 1.5 MB bundle: allow a slow, busy machine.
    expect(page.locator(".opblock-get [data-path='/me']")).to_be_visible(timeout=15_000)
    expect(page.locator(".opblock-post [data-path='/notifications']")).to_be_visible()
    # Swagger UI's default would send the schema to validator.swagger.io.
    assert page.evaluate("ui.getConfigs().validatorUrl") is None

    _log_in(page)

    me = page.locator(".opblock-get", has=page.locator("[data-path='/me']"))
    me.locator(".opblock-summary").click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    live = me.locator(".live-responses-table")
    expect(live.locator("tbody .response-col_status")).to_have_text("200")
    expect(live.locator("tbody .response-col_description")).to_contain_text(
        f'"username": "{USERNAME}"'
    )

    assert f"{herald_url}/me" in requested
    assert not foreign(), f"the page called other hosts: {foreign()}"
    assert not problems, problems
