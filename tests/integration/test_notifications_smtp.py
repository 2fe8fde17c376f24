"""Email through the SMTP adapter, wired by the settings, against the aiosmtpd stub: a
notification is sent, retried after a 4xx and failed for good by a 5xx."""

from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from adapters.smtp.notifications import REFERENCE_HEADER, SmtpEmailSender
from application.ports.notifications import EmailSender
from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.support.auth import bearer
from tests.support.notifications import client, wait_for_status
from tests.support.stubs import smtp as mail_stub
from tests.support.stubs.fixtures import RunningSmtp

__all__ = ["client"]  # a fixture: the app with its delivery engine

Client = AsyncTestClient[Any]
FROM = "herald@example.com"


@pytest.fixture
def settings(sqlite_url: str, smtp_stub: RunningSmtp) -> Settings:
    settings = make_settings(
        sqlite_url,
        email_provider="smtp",
        smtp_url=smtp_stub.url,
        smtp_tls="none",
        smtp_from_email=FROM,
        provider_timeout_seconds=2.0,
        notify_backoff_base_seconds=0.05,
        notify_max_attempts=3,
    )
    settings.validate()
    return settings


async def email_user(client: Client, email: str) -> dict[str, str]:
    return await bearer(client, "ann", preferences={"notify_pref": "email", "email": email})


async def send(client: Client, headers: dict[str, str], **body: Any) -> str:
    r = await client.post("/notifications", headers=headers, json={"text": "hello", **body})
    assert r.status_code == 202, r.text
    return str(r.json()["items"][0]["id"])


async def test_the_settings_choose_the_smtp_sender(container: AsyncContainer) -> None:
    assert isinstance(await container.get(EmailSender), SmtpEmailSender)


async def test_an_email_notification_goes_out_by_smtp(
    client: Client, smtp_stub: RunningSmtp
) -> None:
    headers = await email_user(client, "ann@example.com")
    nid = await send(client, headers, title="Subject")
    detail = await wait_for_status(client, headers, nid, "sent")
    [mail] = smtp_stub.app.messages
    assert (mail.mail_from, mail.rcpt_tos, mail.login) == (FROM, ["ann@example.com"], "herald")
    assert (mail.message["Subject"], mail.text) == ("Subject", "hello")
    assert mail.message[REFERENCE_HEADER] == nid
    assert detail["provider"] == "smtp"
    assert detail["provider_message_id"] == mail.message["Message-ID"]


async def test_a_4xx_reply_is_retried(client: Client, smtp_stub: RunningSmtp) -> None:
    headers = await email_user(client, "ann@example.com")
    smtp_stub.app.script("ann@example.com", mail_stub.REPLIES[mail_stub.DEFERRED])
    nid = await send(client, headers)
    detail = await wait_for_status(client, headers, nid, "sent")
    assert detail["attempts"] == 2
    assert detail["last_error"]["code"] == "451"
    assert len(smtp_stub.app.messages) == 1


async def test_a_rejected_recipient_fails_at_once(client: Client, smtp_stub: RunningSmtp) -> None:
    headers = await email_user(client, mail_stub.REJECTED)
    nid = await send(client, headers)
    detail = await wait_for_status(client, headers, nid, "failed")
    assert detail["attempts"] == 1
    assert detail["last_error"]["code"] == "550"
    assert "User unknown" in detail["last_error"]["message"]
    assert smtp_stub.app.messages == []
