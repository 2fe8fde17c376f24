"""A local SMTP server for the SMTP email sender's tests: aiosmtpd on 127.0.0.1, in a
background thread, with AUTH (PLAIN/LOGIN; a client may also send without it), optional
STARTTLS or implicit TLS with a self-signed certificate, and failure modes chosen by the
recipient address or scripted per address with `script()`.

Run alone: `uv run python -m tests.support.stubs.smtp --port 1025`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER = "herald"
PASSWORD = "stub p@ss:word"  # characters a URL must percent-encode

REJECTED = "nobody@stub.test"  # 550 5.1.1: no such mailbox
DEFERRED = "deferred@stub.test"  # 451 4.3.0: try again later
UNAVAILABLE = "unavailable@stub.test"  # 421 4.3.2: the service is closing the channel
DROPPED = "dropped@stub.test"  # the connection is cut at RCPT TO
SLOW = "slow@stub.test"  # accepted after `slow_seconds`

DROP = "drop"  # a scripted "reply" that cuts the connection instead
REPLIES = {
    REJECTED: "550 5.1.1 <nobody@stub.test>: Recipient address rejected: User unknown",
    DEFERRED: "451 4.3.0 Temporary failure, try again later",
    UNAVAILABLE: "421 4.3.2 Service not available, closing transmission channel",
    DROPPED: DROP,
}


@dataclass(frozen=True, slots=True)
class Received:
    """One message the stub accepted, as it arrived."""

    mail_from: str
    rcpt_tos: list[str]
    login: str | None
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return _sent_text(part)

    @property
    def html(self) -> str | None:
        part = self.message.get_body(("html",))
        return None if part is None else _sent_text(part)


def _sent_text(part: Any) -> str:
    """A text part's content as it was given: MIME ends every text part with a line end."""
    return str(part.get_content()).replace("\r\n", "\n").removesuffix("\n")


@dataclass
class SmtpStub:
    """The aiosmtpd handler: answers RCPT TO by address or script, keeps DATA."""

    slow_seconds: float = 2.0
    messages: list[Received] = field(default_factory=list)
    _scripts: dict[str, list[str]] = field(default_factory=dict)

    def reset(self) -> None:
        self.messages.clear()
        self._scripts.clear()

    def script(self, recipient: str, reply: str, times: int = 1) -> None:
        """Answer the next `times` RCPT TO of `recipient` with `reply` (or DROP)."""
        self._scripts.setdefault(recipient, []).extend([reply] * times)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        queue = self._scripts.get(address)
        reply = queue.pop(0) if queue else REPLIES.get(address)
        if reply == DROP:
            assert isinstance(server.transport, asyncio.Transport)
            server.transport.abort()
            return "421 4.4.2 dropped"  # never read: the connection is gone
        if reply is not None:
            return reply
        if address == SLOW:
            await asyncio.sleep(self.slow_seconds)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        self.messages.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), login, parsed)
        )
        return f"250 2.0.0 Ok: queued as {len(self.messages)}"


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data)  # the server answers 535


@dataclass(frozen=True, slots=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1, and the client context that trusts it."""

    server_context: ssl.SSLContext
    client_context: ssl.SSLContext


def self_signed() -> Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
        cert_file.write_bytes(pem)
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cadata=pem.decode())
    return Certificate(server, client)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(
    stub: SmtpStub, *, tls: str = "none", certificate: Certificate | None = None
) -> Iterator[int]:
    """Serve `stub` on 127.0.0.1 until the block ends; yields the port. `tls`:
    "none", "starttls" (required before AUTH and MAIL) or "implicit"."""
    context = certificate.server_context if certificate else None
    controller = Controller(
        stub,
        hostname="127.0.0.1",
        port=_free_port(),
        ssl_context=context if tls == "implicit" else None,
        tls_context=context if tls == "starttls" else None,
        require_starttls=tls == "starttls",
        authenticator=_authenticate,
        auth_require_tls=tls == "starttls",  # implicit TLS is TLS from the start
    )
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=1025)
    port = parser.parse_args().port
    stub = SmtpStub()
    controller = Controller(
        stub,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_require_tls=False,
    )
    controller.start()
    print(f"SMTP stub on 127.0.0.1:{port} (user {USER!r})", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
