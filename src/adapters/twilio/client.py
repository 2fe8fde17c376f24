"""The HTTP client the Twilio SDK's asynchronous API calls go through.

The SDK builds every URL from Twilio's own hosts (https://api.twilio.com for Messages,
https://lookups.twilio.com for Lookup); Twilio's documented way to call elsewhere (a
local stub, a proxy) is a custom HTTP client, which is what `TwilioHttpClient` is. It
also keeps one pooled aiohttp session, applies our timeout (the SDK's async client
applies none) and remembers Retry-After, which the SDK drops.
"""

import base64
import logging
from contextvars import ContextVar
from typing import Any

import aiohttp
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response

TWILIO_API = "https://api.twilio.com"
TWILIO_LOOKUPS = "https://lookups.twilio.com"

# Set by the HTTP client inside the same task as the call that reads it.
last_retry_after: ContextVar[str | None] = ContextVar("twilio_retry_after", default=None)


class TwilioHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """Sends what the SDK addresses to `upstream` to `base_url` instead, when one is given."""

    def __init__(self, base_url: str | None, timeout_seconds: float, *, upstream: str) -> None:
        super().__init__(pool_connections=False, logger=logging.getLogger("herald.twilio_http"))
        self._base_url = base_url.rstrip("/") if base_url else None
        self._upstream = upstream
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
        if self._base_url and url.startswith(self._upstream):
            url = self._base_url + url[len(self._upstream) :]
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
        last_retry_after.set(response.headers.get("Retry-After"))
        return Response(response.status, text, response.headers)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
