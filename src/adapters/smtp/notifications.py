"""Email over SMTP with aiosmtplib: one connection per message (connect, optional TLS,
AUTH, MAIL/RCPT/DATA, QUIT), so that a dropped connection costs one message, not a pool.

SMTP answers no id of its own that every server gives, so the sender makes the
`Message-ID` header itself and that is the receipt's provider id; our reference travels
in the `X-Herald-Reference` header. Replies map to the delivery engine's errors by their
class (RFC 5321 §4.2.1): 5xx is permanent, 4xx transient, and a connection that drops,
is refused or times out is transient without a code; a server without what the settings
need (STARTTLS, AUTH) is a permanent failure, as a wrong password is.
"""

import asyncio
import ssl
from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage
from email.utils import make_msgid
from typing import Literal
from urllib.parse import unquote, urlsplit

import aiosmtplib

from application.ports.notifications import (
    DeliveryError,
    EmailMessage,
    PermanentDeliveryError,
    SendReceipt,
    TransientDeliveryError,
)

REFERENCE_HEADER = "X-Herald-Reference"
SmtpTls = Literal["starttls", "implicit", "none"]
# The ports of RFC 8314 (submission with STARTTLS, submissions) and of plain relay.
_DEFAULT_PORTS: dict[SmtpTls, int] = {"starttls": 587, "implicit": 465, "none": 25}


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: SmtpTls = "starttls"

    @classmethod
    def from_url(cls, url: str, tls: SmtpTls = "starttls") -> "SmtpServer":
        """`smtp://user:pass@host:port` (user and password percent-encoded, both optional;
        the port defaults by `tls`); ValueError says what is wrong."""
        parts = urlsplit(url)
        if parts.scheme != "smtp":
            raise ValueError("must be an smtp://[user:pass@]host[:port] URL")
        if not parts.hostname:
            raise ValueError("has no host")
        try:
            port = parts.port or _DEFAULT_PORTS[tls]
        except ValueError as exc:
            raise ValueError(f"has an invalid port ({exc})") from None
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError("must have no path, query or fragment")
        if (parts.username is None) != (parts.password is None):
            raise ValueError("needs both a user and a password, or neither")
        return cls(
            parts.hostname,
            port,
            unquote(parts.username) if parts.username is not None else None,
            unquote(parts.password) if parts.password is not None else None,
            tls,
        )


class SmtpEmailSender:
    """Sends one email per call (text, with the HTML as its multipart/alternative); every
    answer becomes a receipt or a DeliveryError."""

    provider = "smtp"

    def __init__(
        self,
        server: SmtpServer,
        from_email: str,
        *,
        timeout_seconds: float = 10.0,
        tls_context: ssl.SSLContext | None = None,  # None: the system's trusted CAs
    ) -> None:
        self._server = server
        self._from_email = from_email
        self._timeout = timeout_seconds
        self._tls_context = tls_context
        # The Message-ID's domain: the sender's own, as RFC 5322 §3.6.4 suggests.
        self._id_domain = from_email.rpartition("@")[2] or None

    async def send(self, message: EmailMessage) -> SendReceipt:
        mime = self._mime(message)
        try:
            # aiosmtplib's timeout bounds each reply; this one the whole conversation.
            async with asyncio.timeout(self._timeout):
                await self._deliver(mime)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            [refused] = exc.recipients  # one recipient per message
            raise _classify(refused.code, refused.message) from exc
        except aiosmtplib.SMTPResponseException as exc:  # greeting, AUTH, MAIL, DATA
            raise _classify(exc.code, exc.message) from exc
        except TimeoutError as exc:  # aiosmtplib's SMTPTimeoutError is one too
            raise TransientDeliveryError(f"SMTP server timed out: {_describe(exc)}") from exc
        except OSError as exc:  # refused, dropped, TLS failed (aiosmtplib's are OSErrors too)
            raise TransientDeliveryError(f"SMTP server unreachable: {_describe(exc)}") from exc
        except aiosmtplib.SMTPException as exc:  # it lacks what we need: STARTTLS, AUTH...
            raise PermanentDeliveryError(f"SMTP server cannot: {_describe(exc)}") from exc
        return SendReceipt(self.provider, mime["Message-ID"])

    async def _deliver(self, mime: MimeMessage) -> None:
        server = self._server
        await aiosmtplib.send(
            mime,
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.tls == "implicit",
            start_tls=server.tls == "starttls",  # False: never, not "if offered"
            tls_context=self._tls_context,
            timeout=self._timeout,
        )

    def _mime(self, message: EmailMessage) -> MimeMessage:
        mime = MimeMessage()
        mime["From"] = self._from_email
        mime["To"] = message.to
        # A header holds no line break (it would end the header): the subject's become spaces.
        mime["Subject"] = " ".join(message.subject.splitlines())
        mime["Message-ID"] = make_msgid(domain=self._id_domain)
        mime[REFERENCE_HEADER] = message.reference
        mime.set_content(message.body)
        if message.html is not None:  # text first: clients show the last part they can
            mime.add_alternative(message.html, subtype="html")
        return mime


def _classify(code: int, text: str) -> DeliveryError:
    line = f"{code} {' '.join(text.split())}".strip()
    if 400 <= code < 500:
        return TransientDeliveryError(line, code=str(code))
    return PermanentDeliveryError(line, code=str(code))


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
