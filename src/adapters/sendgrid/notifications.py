"""Email through SendGrid's v3 Mail Send API (`POST /v3/mail/send`) over httpx.

Success is 202 with the message id in `X-Message-Id`. Our reference travels in
`custom_args`, which SendGrid copies into every event of its event webhook, so an
event can be traced back to its notification by `REFERENCE_ARG`.
"""

import time
from typing import Any

import httpx

from adapters.http.status import is_transient, retry_after_seconds
from adapters.http.transport import AiohttpTransport
from application.ports.notifications import (
    DeliveryError,
    EmailMessage,
    PermanentDeliveryError,
    SendReceipt,
    TransientDeliveryError,
)

REFERENCE_ARG = "herald_reference"
SEND_PATH = "/v3/mail/send"
_MAX_CONNECTIONS = 100


class SendGridEmailSender:
    """Sends one plain-text email per call; every answer becomes a receipt or a DeliveryError."""

    provider = "sendgrid"

    def __init__(
        self,
        api_key: str,
        from_email: str,
        *,
        base_url: str = "https://api.sendgrid.com",
        timeout_seconds: float = 10.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._from_email = from_email
        self._url = base_url.rstrip("/") + SEND_PATH
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(
            transport=AiohttpTransport(_MAX_CONNECTIONS), timeout=timeout_seconds
        )
        self._timeout = timeout_seconds

    async def send(self, message: EmailMessage) -> SendReceipt:
        try:
            response = await self._http.post(
                self._url, json=self._body(message), headers=self._headers, timeout=self._timeout
            )
        except httpx.TimeoutException as exc:
            raise TransientDeliveryError(f"SendGrid timed out: {_describe(exc)}") from exc
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(f"SendGrid unreachable: {_describe(exc)}") from exc
        if response.is_success:
            message_id = response.headers.get("X-Message-Id")
            if not message_id:
                raise PermanentDeliveryError(
                    f"SendGrid answered {response.status_code} without an X-Message-Id",
                    code=str(response.status_code),
                )
            return SendReceipt(self.provider, message_id)
        raise _classify(response)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    def _body(self, message: EmailMessage) -> dict[str, Any]:
        content = [{"type": "text/plain", "value": message.body}]
        if message.html is not None:  # SendGrid wants text/plain first
            content.append({"type": "text/html", "value": message.html})
        return {
            "personalizations": [{"to": [{"email": message.to}]}],
            "from": {"email": self._from_email},
            "subject": message.subject,
            "content": content,
            "custom_args": {REFERENCE_ARG: message.reference},
        }


def _classify(response: httpx.Response) -> DeliveryError:
    status = response.status_code
    text = _error_text(response)
    code = str(status)
    if is_transient(status):
        return TransientDeliveryError(text, code=code, retry_after_seconds=_retry_after(response))
    return PermanentDeliveryError(text, code=code)


def _error_text(response: httpx.Response) -> str:
    """SendGrid's `{"errors": [{"message", "field", "help"}]}` as one line."""
    try:
        errors = response.json()["errors"]
        parts = [
            f"{e['field']}: {e['message']}" if e.get("field") else str(e["message"]) for e in errors
        ]
    except (ValueError, KeyError, TypeError):
        parts = []
    return "; ".join(parts) or f"HTTP {response.status_code} {response.reason_phrase}".strip()


def _retry_after(response: httpx.Response) -> float | None:
    seconds = retry_after_seconds(response.headers.get("Retry-After"))
    if seconds is not None:
        return seconds
    reset = response.headers.get("X-RateLimit-Reset")  # SendGrid's own: a Unix time
    try:
        return max(float(reset) - time.time(), 0.0) if reset else None
    except ValueError:
        return None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
