"""Pytest fixtures for the provider stubs (loaded from tests/conftest.py via pytest_plugins).

One server per stub for the whole session, in a background thread; each test gets it
emptied. `twilio_stub.url`, `twilio_lookup_stub.url`, `sendgrid_stub.url` are the base URLs;
`smtp_stub.port` is the SMTP stub's (aiosmtpd, plain, AUTH offered).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import quote

import pytest

from tests.support.stubs import sendgrid, smtp, twilio
from tests.support.stubs.rasa import RasaStub
from tests.support.stubs.sendgrid import SendGridStub
from tests.support.stubs.sentry import SentryStub
from tests.support.stubs.server import InspectableStub, StubServer
from tests.support.stubs.twilio import TwilioStub
from tests.support.stubs.twilio_lookup import TwilioLookupStub

S = TypeVar("S", bound=InspectableStub)


@dataclass(frozen=True, slots=True)
class RunningStub(Generic[S]):
    app: S
    server: StubServer

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="session")
def _twilio_stub_server() -> Iterator[RunningStub[TwilioStub]]:
    app = TwilioStub(slow_seconds=2.0)
    with StubServer(app) as server:
        yield RunningStub(app, server)


@pytest.fixture(scope="session")
def _twilio_lookup_stub_server() -> Iterator[RunningStub[TwilioLookupStub]]:
    app = TwilioLookupStub(slow_seconds=2.0)
    with StubServer(app) as server:
        yield RunningStub(app, server)


@pytest.fixture(scope="session")
def _sendgrid_stub_server() -> Iterator[RunningStub[SendGridStub]]:
    app = SendGridStub(slow_seconds=2.0)
    with StubServer(app) as server:
        yield RunningStub(app, server)


@pytest.fixture(scope="session")
def _rasa_stub_server() -> Iterator[RunningStub[RasaStub]]:
    app = RasaStub(slow_seconds=2.0)
    with StubServer(app) as server:
        yield RunningStub(app, server)


@pytest.fixture
def rasa_stub(_rasa_stub_server: RunningStub[RasaStub]) -> RunningStub[RasaStub]:
    _rasa_stub_server.app.reset()
    return _rasa_stub_server


@pytest.fixture(scope="session")
def _sentry_stub_server() -> Iterator[tuple[SentryStub, StubServer]]:
    app = SentryStub()
    with StubServer(app) as server:
        yield app, server


@dataclass(frozen=True, slots=True)
class RunningSmtp:
    app: smtp.SmtpStub
    port: int

    @property
    def url(self) -> str:
        """HERALD_SMTP_URL for the stub's user."""
        return f"smtp://{smtp.USER}:{quote(smtp.PASSWORD, safe='')}@127.0.0.1:{self.port}"


@pytest.fixture(scope="session")
def _smtp_stub_server() -> Iterator[RunningSmtp]:
    app = smtp.SmtpStub(slow_seconds=2.0)
    with smtp.running(app) as port:
        yield RunningSmtp(app, port)


@pytest.fixture
def smtp_stub(_smtp_stub_server: RunningSmtp) -> RunningSmtp:
    _smtp_stub_server.app.reset()
    return _smtp_stub_server


@pytest.fixture
def twilio_stub(_twilio_stub_server: RunningStub[TwilioStub]) -> RunningStub[TwilioStub]:
    _twilio_stub_server.app.reset()
    return _twilio_stub_server


@pytest.fixture
def twilio_lookup_stub(
    _twilio_lookup_stub_server: RunningStub[TwilioLookupStub],
) -> RunningStub[TwilioLookupStub]:
    _twilio_lookup_stub_server.app.reset()
    return _twilio_lookup_stub_server


@pytest.fixture
def sendgrid_stub(_sendgrid_stub_server: RunningStub[SendGridStub]) -> RunningStub[SendGridStub]:
    _sendgrid_stub_server.app.reset()
    return _sendgrid_stub_server


@pytest.fixture
def sentry_stub(_sentry_stub_server: tuple[SentryStub, StubServer]) -> tuple[SentryStub, str]:
    """The emptied Sentry stub and its base URL."""
    app, server = _sentry_stub_server
    app.reset()
    return app, server.url


def provider_settings(
    twilio_stub: RunningStub[TwilioStub],
    sendgrid_stub: RunningStub[SendGridStub],
    webhook_public_key: str,
) -> dict[str, object]:
    """Settings that point the real Twilio and SendGrid adapters at the running stubs."""
    return {
        "twilio_account_sid": twilio.ACCOUNT_SID,
        "twilio_auth_token": twilio.AUTH_TOKEN,
        "twilio_from_number": "+15005550006",
        "twilio_base_url": twilio_stub.url,
        "sendgrid_api_key": sendgrid.API_KEY,
        "sendgrid_base_url": sendgrid_stub.url,
        "sendgrid_webhook_public_key": webhook_public_key,
    }
