"""EmailSender contract: the console sender, the scripted fake the use-case tests use,
SendGridEmailSender against the local SendGrid stub and SmtpEmailSender against aiosmtpd.

The sending tests run on all four. The refusal tests run on the scripted fake and each
real adapter (the console sender cannot fail): each provider answer must raise the same
error, with the same code, from the fake scripted as that provider and from the adapter.
The wire details run on each real adapter alone.
"""

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from urllib.parse import quote

import httpx
import pytest

from adapters.clock import SystemClock
from adapters.console.notifications import ConsoleEmailSender, DevOutbox
from adapters.sendgrid.notifications import REFERENCE_ARG, SendGridEmailSender
from adapters.smtp.notifications import REFERENCE_HEADER, SmtpEmailSender, SmtpServer
from application.ports.notifications import (
    DeliveryError,
    EmailMessage,
    EmailSender,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from tests.support.fakes import Refusal, ScriptedSender
from tests.support.senders import (
    RefusingHarness,
    assert_recovers,
    assert_refuses,
    scripted_harness,
    stub_harness,
)
from tests.support.stubs import sendgrid as stub
from tests.support.stubs import smtp as mail_stub
from tests.support.stubs.fixtures import RunningSmtp, RunningStub
from tests.support.stubs.sendgrid import SendGridStub
from tests.support.stubs.server import Scripted

FROM = "noreply@herald.example.com"
TO = "ann@example.com"

Sent = tuple[str, str | None, str, str]  # (to, subject, body, reference) as received


@dataclass
class EmailHarness:
    sender: EmailSender
    provider: str
    sent: Callable[[], list[Sent]]
    htmls: Callable[[], list[str | None]]  # each message's HTML part as received


def message(to: str = TO, reference: str = "ref-1") -> EmailMessage:
    return EmailMessage(to, "Your receipt", "Thanks for your order.", reference)


@pytest.fixture
def smtp_server(smtp_stub: RunningSmtp) -> tuple[mail_stub.SmtpStub, int]:
    return smtp_stub.app, smtp_stub.port


def smtp_sender(port: int, timeout_seconds: float = 10.0) -> SmtpEmailSender:
    url = f"smtp://{mail_stub.USER}:{quote(mail_stub.PASSWORD, safe='')}@127.0.0.1:{port}"
    return SmtpEmailSender(SmtpServer.from_url(url, "none"), FROM, timeout_seconds=timeout_seconds)


def smtp_sent(stub_app: mail_stub.SmtpStub) -> list[Sent]:
    return [
        (m.message["To"], m.message["Subject"], m.text, m.message[REFERENCE_HEADER])
        for m in stub_app.messages
    ]


@pytest.fixture(params=["console", "scripted", "sendgrid", "smtp"])
async def email(request: pytest.FixtureRequest) -> AsyncIterator[EmailHarness]:
    if request.param == "console":
        outbox = DevOutbox()
        yield EmailHarness(
            ConsoleEmailSender(outbox, SystemClock()),
            "console",
            lambda: [(e.to, e.subject, e.body, e.reference) for e in outbox.entries()],
            lambda: [e.html for e in outbox.entries()],
        )
        return
    if request.param == "scripted":
        fake = ScriptedSender("sendgrid")
        yield EmailHarness(
            fake,
            "sendgrid",
            lambda: [
                (m.to, m.subject, m.body, m.reference)
                for m in fake.sent
                if isinstance(m, EmailMessage)
            ],
            lambda: [m.html for m in fake.sent if isinstance(m, EmailMessage)],
        )
        return
    if request.param == "smtp":
        stub_app, port = request.getfixturevalue("smtp_server")
        yield EmailHarness(
            smtp_sender(port),
            "smtp",
            lambda: smtp_sent(stub_app),
            lambda: [m.html for m in stub_app.messages],
        )
        return
    running: RunningStub[SendGridStub] = request.getfixturevalue("sendgrid_stub")
    sender = SendGridEmailSender(stub.API_KEY, FROM, base_url=running.url)

    def sent() -> list[Sent]:
        return [
            (m.to[0], m.subject, m.content[0]["value"], m.custom_args[REFERENCE_ARG])
            for m in running.app.messages
        ]

    def htmls() -> list[str | None]:
        return [
            next((c["value"] for c in m.content if c["type"] == "text/html"), None)
            for m in running.app.messages
        ]

    yield EmailHarness(sender, "sendgrid", sent, htmls)
    await sender.aclose()


async def test_a_sent_email_returns_a_receipt_and_reaches_the_provider(email: EmailHarness) -> None:
    receipt = await email.sender.send(message())
    assert receipt.provider == email.provider == email.sender.provider  # it labels its errors
    assert receipt.provider_message_id
    assert email.sent() == [(TO, "Your receipt", "Thanks for your order.", "ref-1")]


async def test_every_email_gets_its_own_provider_id(email: EmailHarness) -> None:
    first = await email.sender.send(message(reference="ref-1"))
    second = await email.sender.send(message(reference="ref-2"))
    assert first.provider_message_id != second.provider_message_id
    assert [reference for *_, reference in email.sent()] == ["ref-1", "ref-2"]


async def test_unicode_arrives_intact(email: EmailHarness) -> None:
    await email.sender.send(EmailMessage(TO, "Grüße 👋", 'Ça marche — 100%\n"quoted"', "r"))
    assert email.sent() == [(TO, "Grüße 👋", 'Ça marche — 100%\n"quoted"', "r")]


async def test_the_html_part_arrives_beside_the_text(email: EmailHarness) -> None:
    html = '<p>Thanks for your <b>order</b> &amp; <script>alert("x")</script></p>'
    await email.sender.send(replace(message(reference="with-html"), html=html))
    await email.sender.send(message(reference="text-only"))
    assert email.htmls() == [html, None]
    assert [body for _, _, body, _ in email.sent()] == ["Thanks for your order."] * 2


# --- Refusals: the scripted fake and SendGrid alike ----------------------------------

# What the delivery engine relies on for each answer: the error and SendGrid's code.
# SendGrid has no opt-out answer (its suppressions arrive as events).
REFUSALS: dict[Refusal, tuple[type[DeliveryError], str | None]] = {
    Refusal.RATE_LIMITED: (TransientDeliveryError, "429"),
    Refusal.SERVER_ERROR: (TransientDeliveryError, "500"),
    Refusal.UNAVAILABLE: (TransientDeliveryError, "503"),
    Refusal.TIMEOUT: (TransientDeliveryError, None),
    Refusal.INVALID_RECIPIENT: (PermanentDeliveryError, "400"),
}
# The stub refuses these addresses so (asking to retry after 2 s when rate limited).
REFUSED_ADDRESSES = {
    Refusal.RATE_LIMITED: stub.RATE_LIMITED,
    Refusal.SERVER_ERROR: stub.SERVER_ERROR,
    Refusal.UNAVAILABLE: stub.UNAVAILABLE,
    Refusal.TIMEOUT: stub.SLOW,
    Refusal.INVALID_RECIPIENT: stub.INVALID_ADDRESS,
}


@pytest.fixture(params=["scripted", "sendgrid"])
async def refusing(request: pytest.FixtureRequest) -> AsyncIterator[RefusingHarness]:
    if request.param == "scripted":
        fake = ScriptedSender("sendgrid")
        yield scripted_harness(fake, lambda to: fake.send(message(to)), REFUSED_ADDRESSES)
        return
    running: RunningStub[SendGridStub] = request.getfixturevalue("sendgrid_stub")
    sender = SendGridEmailSender(stub.API_KEY, FROM, base_url=running.url, timeout_seconds=0.5)
    yield stub_harness(
        running.app,
        lambda to: sender.send(message(to)),
        REFUSED_ADDRESSES,
        lambda: [m.message_id for m in running.app.messages],
    )
    await sender.aclose()


@pytest.mark.parametrize("refusal", list(REFUSALS))
async def test_each_refusal_raises_the_error_the_delivery_engine_handles(
    refusing: RefusingHarness, refusal: Refusal
) -> None:
    await assert_refuses(refusing, refusal, *REFUSALS[refusal])


async def test_a_send_succeeds_once_a_transient_failure_has_passed(
    refusing: RefusingHarness,
) -> None:
    await assert_recovers(refusing, TO)


def test_the_scripted_fake_cannot_script_an_answer_sendgrid_never_gives() -> None:
    with pytest.raises(ValueError, match="never answers opted out"):
        ScriptedSender("sendgrid").refuse(TO, Refusal.OPTED_OUT)


# --- SendGrid only: wire details and the answers only SendGrid gives -----------------


@pytest.fixture
async def sendgrid(sendgrid_stub: RunningStub[SendGridStub]) -> AsyncIterator[SendGridEmailSender]:
    sender = SendGridEmailSender(
        stub.API_KEY, FROM, base_url=sendgrid_stub.url, timeout_seconds=0.5
    )
    yield sender
    await sender.aclose()


async def test_sendgrid_sends_bearer_auth_sender_and_plain_text(
    sendgrid: SendGridEmailSender, sendgrid_stub: RunningStub[SendGridStub]
) -> None:
    receipt = await sendgrid.send(message())
    [received] = sendgrid_stub.app.messages
    assert receipt.provider_message_id == received.message_id
    assert received.api_key == stub.API_KEY
    assert received.from_email == FROM
    assert received.content == [{"type": "text/plain", "value": "Thanks for your order."}]
    assert received.custom_args == {REFERENCE_ARG: "ref-1"}


async def test_sendgrid_sends_the_html_part_after_the_plain_one(
    sendgrid: SendGridEmailSender, sendgrid_stub: RunningStub[SendGridStub]
) -> None:
    await sendgrid.send(replace(message(), html="<p>Thanks for your <b>order</b>.</p>"))
    [received] = sendgrid_stub.app.messages
    assert received.content == [
        {"type": "text/plain", "value": "Thanks for your order."},
        {"type": "text/html", "value": "<p>Thanks for your <b>order</b>.</p>"},
    ]


async def test_sendgrid_invalid_address_fails_for_good_naming_the_field(
    sendgrid: SendGridEmailSender,
) -> None:
    with pytest.raises(PermanentDeliveryError) as caught:
        await sendgrid.send(message(stub.INVALID_ADDRESS))
    assert caught.value.code == "400"
    assert caught.value.message == (
        "personalizations.0.to.0.email: The to email does not contain a valid address."
    )


async def test_sendgrid_unverified_sender_fails_for_good(sendgrid: SendGridEmailSender) -> None:
    with pytest.raises(PermanentDeliveryError) as caught:
        await sendgrid.send(message(stub.FORBIDDEN))
    assert caught.value.code == "403"
    assert "verified Sender Identity" in caught.value.message


async def test_sendgrid_wrong_api_key_fails_for_good(
    sendgrid_stub: RunningStub[SendGridStub],
) -> None:
    sender = SendGridEmailSender("SG.wrong", FROM, base_url=sendgrid_stub.url)
    try:
        with pytest.raises(PermanentDeliveryError) as caught:
            await sender.send(message())
    finally:
        await sender.aclose()
    assert caught.value.code == "401"
    assert sendgrid_stub.app.messages == []


async def test_sendgrid_429_without_retry_after_uses_the_rate_limit_reset(
    sendgrid: SendGridEmailSender, sendgrid_stub: RunningStub[SendGridStub]
) -> None:
    reset = str(int(time.time()) + 30).encode()
    sendgrid_stub.app.script(
        TO, Scripted(429, sendgrid_stub.app.error_body(429), [(b"x-ratelimit-reset", reset)])
    )
    with pytest.raises(TransientDeliveryError) as caught:
        await sendgrid.send(message())
    assert caught.value.retry_after_seconds is not None
    assert 25 <= caught.value.retry_after_seconds <= 30


async def test_sendgrid_a_proxy_error_page_is_transient(
    sendgrid: SendGridEmailSender, sendgrid_stub: RunningStub[SendGridStub]
) -> None:
    sendgrid_stub.app.script(TO, Scripted(502, b"<html>Bad Gateway</html>"))
    with pytest.raises(TransientDeliveryError) as caught:
        await sendgrid.send(message())
    assert caught.value.code == "502"
    assert caught.value.message == "HTTP 502 Bad Gateway"


async def test_sendgrid_timeout_is_transient(sendgrid: SendGridEmailSender) -> None:
    with pytest.raises(TransientDeliveryError, match="timed out"):
        await sendgrid.send(message(stub.SLOW))


async def test_sendgrid_unreachable_is_transient() -> None:
    sender = SendGridEmailSender(stub.API_KEY, FROM, base_url="http://127.0.0.1:9")
    try:
        with pytest.raises(TransientDeliveryError, match="unreachable"):
            await sender.send(message())
    finally:
        await sender.aclose()


async def test_sendgrid_a_success_without_message_id_fails_without_a_500(
    sendgrid: SendGridEmailSender, sendgrid_stub: RunningStub[SendGridStub]
) -> None:
    sendgrid_stub.app.script(TO, Scripted(202, b""))
    with pytest.raises(PermanentDeliveryError, match="X-Message-Id"):
        await sendgrid.send(message())


async def test_sendgrid_uses_an_injected_client_and_leaves_it_open(
    sendgrid_stub: RunningStub[SendGridStub],
) -> None:
    async with httpx.AsyncClient() as http:  # httpx's own transport works too
        sender = SendGridEmailSender(stub.API_KEY, FROM, base_url=sendgrid_stub.url, http=http)
        await sender.send(message())
        await sender.aclose()
        assert not http.is_closed
    assert len(sendgrid_stub.app.messages) == 1


# --- SMTP: refusals by reply code, and the wire ---------------------------------------

# SMTP's answers by their class (RFC 5321 §4.2.1): 5yz for good, 4yz for now. SMTP has
# no rate-limit reply that says when to retry, so RATE_LIMITED is not among them.
SMTP_REFUSALS: dict[Refusal, tuple[type[DeliveryError], str | None]] = {
    Refusal.SERVER_ERROR: (TransientDeliveryError, "451"),
    Refusal.UNAVAILABLE: (TransientDeliveryError, "421"),
    Refusal.TIMEOUT: (TransientDeliveryError, None),
    Refusal.INVALID_RECIPIENT: (PermanentDeliveryError, "550"),
}
SMTP_REFUSED_ADDRESSES = {
    Refusal.SERVER_ERROR: mail_stub.DEFERRED,
    Refusal.UNAVAILABLE: mail_stub.UNAVAILABLE,
    Refusal.TIMEOUT: mail_stub.SLOW,
    Refusal.INVALID_RECIPIENT: mail_stub.REJECTED,
}


@pytest.fixture(params=["scripted", "smtp"])
async def smtp_refusing(request: pytest.FixtureRequest) -> AsyncIterator[RefusingHarness]:
    if request.param == "scripted":
        fake = ScriptedSender("smtp")
        yield scripted_harness(fake, lambda to: fake.send(message(to)), SMTP_REFUSED_ADDRESSES)
        return
    stub_app, port = request.getfixturevalue("smtp_server")
    sender = smtp_sender(port, timeout_seconds=0.5)
    yield RefusingHarness(
        lambda to: sender.send(message(to)),
        SMTP_REFUSED_ADDRESSES.__getitem__,
        lambda to: stub_app.script(to, mail_stub.REPLIES[mail_stub.UNAVAILABLE], times=2),
        lambda: [m.message["Message-ID"] for m in stub_app.messages],
    )


@pytest.mark.parametrize("refusal", list(SMTP_REFUSALS))
async def test_each_smtp_refusal_raises_the_error_the_delivery_engine_handles(
    smtp_refusing: RefusingHarness, refusal: Refusal
) -> None:
    await assert_refuses(smtp_refusing, refusal, *SMTP_REFUSALS[refusal])


async def test_an_smtp_send_succeeds_once_a_transient_failure_has_passed(
    smtp_refusing: RefusingHarness,
) -> None:
    await assert_recovers(smtp_refusing, TO)


def test_the_scripted_fake_cannot_script_a_retry_time_smtp_never_gives() -> None:
    with pytest.raises(ValueError, match="never answers rate limited"):
        ScriptedSender("smtp").refuse(TO, Refusal.RATE_LIMITED)


async def test_smtp_a_dropped_connection_is_transient(
    smtp_server: tuple[mail_stub.SmtpStub, int],
) -> None:
    stub_app, port = smtp_server
    with pytest.raises(TransientDeliveryError) as caught:
        await smtp_sender(port).send(message(mail_stub.DROPPED))
    assert caught.value.code is None
    assert "unreachable" in caught.value.message
    assert stub_app.messages == []


async def test_smtp_unreachable_is_transient() -> None:
    server = SmtpServer("127.0.0.1", 9, tls="none")
    with pytest.raises(TransientDeliveryError, match="unreachable"):
        await SmtpEmailSender(server, FROM).send(message())


async def test_smtp_sends_auth_envelope_headers_and_the_message_id_as_receipt(
    smtp_server: tuple[mail_stub.SmtpStub, int],
) -> None:
    stub_app, port = smtp_server
    receipt = await smtp_sender(port).send(message())
    [received] = stub_app.messages
    assert received.login == mail_stub.USER  # the percent-encoded password was decoded
    assert (received.mail_from, received.rcpt_tos) == (FROM, [TO])
    assert received.message["From"] == FROM
    assert receipt.provider_message_id == received.message["Message-ID"]
    assert receipt.provider_message_id.endswith("@herald.example.com>")
    assert received.message.get_content_type() == "text/plain"


async def test_smtp_sends_the_html_as_the_last_alternative(
    smtp_server: tuple[mail_stub.SmtpStub, int],
) -> None:
    stub_app, port = smtp_server
    await smtp_sender(port).send(replace(message(), html="<p>Thanks</p>"))
    [received] = stub_app.messages
    assert received.message.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in received.message.iter_parts()]
    assert parts == ["text/plain", "text/html"]


async def test_smtp_wrong_password_fails_for_good(
    smtp_server: tuple[mail_stub.SmtpStub, int],
) -> None:
    stub_app, port = smtp_server
    server = SmtpServer("127.0.0.1", port, mail_stub.USER, "wrong", tls="none")
    with pytest.raises(PermanentDeliveryError) as caught:
        await SmtpEmailSender(server, FROM).send(message())
    assert caught.value.code == "535"
    assert stub_app.messages == []


async def test_smtp_starttls_required_but_not_offered_fails_for_good(
    smtp_server: tuple[mail_stub.SmtpStub, int],
) -> None:
    _, port = smtp_server
    server = SmtpServer("127.0.0.1", port, mail_stub.USER, mail_stub.PASSWORD, tls="starttls")
    with pytest.raises(PermanentDeliveryError, match="STARTTLS"):
        await SmtpEmailSender(server, FROM).send(message())


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
async def test_smtp_sends_over_tls_and_checks_the_certificate(tls: str) -> None:
    certificate = mail_stub.self_signed()
    stub_app = mail_stub.SmtpStub()
    with mail_stub.running(stub_app, tls=tls, certificate=certificate) as port:
        url = f"smtp://{mail_stub.USER}:{quote(mail_stub.PASSWORD, safe='')}@127.0.0.1:{port}"
        server = SmtpServer.from_url(url, "starttls" if tls == "starttls" else "implicit")
        trusting = SmtpEmailSender(server, FROM, tls_context=certificate.client_context)
        await trusting.send(message())
        # The system's CAs do not trust the self-signed certificate: nothing is sent.
        with pytest.raises(TransientDeliveryError, match="unreachable"):
            await SmtpEmailSender(server, FROM).send(message(reference="untrusted"))
    assert smtp_sent(stub_app) == [(TO, "Your receipt", "Thanks for your order.", "ref-1")]


@pytest.mark.parametrize(
    ("url", "tls", "expected"),
    [
        ("smtp://mailpit:1025", "none", SmtpServer("mailpit", 1025, tls="none")),
        (
            "smtp://u:p%40ss@mail.example.com",
            "starttls",
            SmtpServer("mail.example.com", 587, "u", "p@ss"),
        ),
        (
            "smtp://u:p@mail.example.com",
            "implicit",
            SmtpServer("mail.example.com", 465, "u", "p", "implicit"),
        ),
    ],
)
def test_an_smtp_url_names_the_server(url: str, tls: str, expected: SmtpServer) -> None:
    assert SmtpServer.from_url(url, tls) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://mail.example.com", "smtp://"),
        ("smtp://", "no host"),
        ("smtp://mail.example.com:99999", "invalid port"),
        ("smtp://mail.example.com/x", "no path"),
        ("smtp://user@mail.example.com", "both a user and a password"),
    ],
)
def test_a_bad_smtp_url_is_refused(url: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        SmtpServer.from_url(url)


async def test_smtp_a_subject_on_several_lines_arrives_on_one(
    smtp_server: tuple[mail_stub.SmtpStub, int],
) -> None:
    """A line break would end the header (and could start another): it becomes a space."""
    stub_app, port = smtp_server
    await smtp_sender(port).send(EmailMessage(TO, "Your\nreceipt\r\nBcc: x@y.z", "b", "r"))
    [received] = stub_app.messages
    assert received.message["Subject"] == "Your receipt Bcc: x@y.z"
    assert received.message["Bcc"] is None
    assert received.rcpt_tos == [TO]
