"""The whole conversation on the embedded default, in a real browser on a real `herald
serve`: subscribe through the API, see the confirmation on /dev/phone, type YES, see
both updates arrive (offsets shortened), type STOP, see the subscription end. The page
loads nothing from anywhere else."""

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.browser import launch_chromium
from tests.support.processes import free_port, herald_env, running, wait_for, wait_http

pytestmark = pytest.mark.e2e

PHONE = "+15105552054"
# Where to keep the screenshot (the one in docs/ was made with this set).
SCREENSHOT = os.environ.get("HERALD_DEV_PHONE_SCREENSHOT")


@pytest.fixture
def herald_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = herald_env(subscription_update_offsets="1,2")
    with running("serve", "--port", str(port), env=env, cwd=tmp_path, log=tmp_path / "api.log"):
        assert wait_http(f"{base}/health/ready").status_code == 200
        yield base


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def _reply(page: Page, text: str) -> None:
    box = page.get_by_label(f"Reply as {PHONE}")
    box.fill(text)
    box.press("Enter")


def test_the_conversation_on_the_dev_phone(browser: Browser, herald_url: str) -> None:
    signup = httpx.post(
        f"{herald_url}/auth/signup", json={"username": "ann", "password": "pw123456"}
    )
    assert signup.status_code == 201, signup.text
    login = httpx.post(f"{herald_url}/auth/login", json={"username": "ann", "password": "pw123456"})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    made = httpx.post(f"{herald_url}/subscriptions", json={"phone": PHONE}, headers=headers)
    assert made.status_code == 202, made.text
    sid = made.json()["id"]

    page = browser.new_page(viewport={"width": 760, "height": 900})
    page.set_default_timeout(15_000)
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{herald_url}/dev/phone")
    thread = page.locator(f'section.thread[data-phone="{PHONE}"]')
    expect(thread.locator(".message.out").first).to_contain_text("Reply YES to confirm")
    expect(page.locator("#state")).to_have_text("live")

    _reply(page, "YES")
    expect(thread.locator(".message.in")).to_have_count(1)
    expect(thread.locator(".message.out").filter(has_text="you are subscribed")).to_have_count(1)
    expect(thread.locator(".message.out").filter(has_text="update 1 of 2")).to_have_count(1)
    expect(thread.locator(".message.out").filter(has_text="update 2 of 2")).to_have_count(1)

    _reply(page, "STOP")
    expect(thread.locator(".message.out").filter(has_text="no more messages")).to_have_count(1)
    ended = wait_for(
        lambda: httpx.get(f"{herald_url}/subscriptions/{sid}", headers=headers).json(),
        lambda body: body["status"] == "unsubscribed",
    )
    assert [c["to_status"] for c in ended["changes"]] == ["pending", "active", "unsubscribed"]
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)
    herald = urlsplit(herald_url).netloc
    assert [u for u in requested if urlsplit(u).netloc != herald] == []
    assert errors == []
