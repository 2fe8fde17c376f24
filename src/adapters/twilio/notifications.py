"""SMS through Twilio's Messages API, with the official SDK on its asynchronous client.

The SDK builds every URL from https://api.twilio.com; Twilio's documented way to send
elsewhere (a local stub, a proxy) is a custom HTTP client, which is what
`_TwilioHttpClient` is. It also keeps one pooled aiohttp session, applies our timeout
(the SDK's async client applies none) and remembers Retry-After, which the SDK drops.
"""

import base64
import logging
from contextvars import ContextVar
from typing import Any

import aiohttp
from twilio.base import values
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from adapters.http.status import is_transient, retry_after_seconds
from application.ports.notifications import (
    DeliveryError,
    PermanentDeliveryError,
    RecipientOptedOut,
    SendReceipt,
    SmsMessage,
    TransientDeliveryError,
)

TWILIO_API = "https://api.twilio.com"
OPTED_OUT = 21610
_SDK_PREFIX = "Unable to create record: "

# Set by the HTTP client inside the same task as the send that reads it.
_retry_after: ContextVar[str | None] = ContextVar("twilio_retry_after", default=None)


class _TwilioHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    def __init__(self, base_url: str | None, timeout_seconds: float) -> None:
        super().__init__(pool_connections=False, logger=logging.getLogger("herald.twilio_http"))
        self._base_url = base_url.rstrip("/") if base_url else None
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the SDK's signature
        allow_redirects: bool = False,
    ) -> Response:
        if self._base_url and url.startswith(TWILIO_API):
            url = self._base_url + url[len(TWILIO_API) :]
        if self._session is None:  # created lazily: it must belong to the running loop
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = dict(headers or {})
        if auth:
            basic = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {basic}"
        options: dict[str, Any] = {}
        if timeout:
            options["timeout"] = aiohttp.ClientTimeout(total=timeout)
        async with self._session.request(
            method.upper(),
            url,
            params=params,
            data=data,
            headers=headers,
            allow_redirects=allow_redirects,
            **options,
        ) as response:
            text = await response.text()
        _retry_after.set(response.headers.get("Retry-After"))
        return Response(response.status, text, response.headers)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class TwilioSmsSender:
    """Sends one SMS per call; every Twilio answer becomes a receipt or a DeliveryError."""

    provider = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        status_callback_url: str | None = None,
        base_url: str | None = None,
        timeout_seconds: float = 10.0,
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("TwilioSmsSender needs a from_number or a messaging_service_sid")
        self._http = _TwilioHttpClient(base_url, timeout_seconds)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        # Herald's settings decide where requests go, not TWILIO_EDGE/TWILIO_REGION.
        self._client.edge = self._client.region = None
        self._from = from_number or values.unset
        self._service = messaging_service_sid or values.unset
        self._callback = status_callback_url or values.unset

    def warm_up(self) -> None:
        """Load the SDK's lazily imported Messages API now (over a second on a busy
        machine) rather than during the first send."""
        _ = self._client.messages

    async def send(self, message: SmsMessage) -> SendReceipt:
        _retry_after.set(None)
        try:
            created = await self._client.messages.create_async(
                to=message.to,
                body=message.body,
                from_=self._from,
                messaging_service_sid=self._service,
                status_callback=self._callback,
            )
        except TwilioRestException as exc:
            raise _classify(exc.status, exc.code, exc.msg) from exc
        except TwilioServiceException as exc:
            raise _classify(exc.status, exc.code, exc.detail or exc.title) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TransientDeliveryError(f"Twilio did not answer: {_describe(exc)}") from exc
        except ValueError as exc:  # a 2xx whose body is not Twilio's JSON
            raise PermanentDeliveryError(f"Twilio's answer was unreadable: {exc}") from exc
        sid = getattr(created, "sid", None)
        if not sid:
            raise PermanentDeliveryError("Twilio accepted the message but returned no SID")
        return SendReceipt(self.provider, str(sid))

    async def aclose(self) -> None:
        await self._http.close()


def _classify(status: int, code: Any, msg: Any) -> DeliveryError:
    text = str(msg or f"HTTP {status}").removeprefix(_SDK_PREFIX)
    twilio_code = str(code) if code is not None else str(status)
    if code == OPTED_OUT:
        return RecipientOptedOut(text, code=twilio_code)
    if is_transient(status):
        return TransientDeliveryError(
            text, code=twilio_code, retry_after_seconds=retry_after_seconds(_retry_after.get())
        )
    return PermanentDeliveryError(text, code=twilio_code)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
