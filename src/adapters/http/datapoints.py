"""The real upstream over HTTP: GET the configured URL, answer a point or a list of them."""

import asyncio

import httpx
import msgspec

from application.gc_pause import gc_paused
from application.ports.datapoints import UpstreamMalformed
from domain.datapoints import cut
from domain.errors import UpstreamUnavailable

MAX_ANSWER_BYTES = 8 * 1024 * 1024


class HttpDataSource:
    """Timeouts come from the client; connection errors, timeouts, 429 and 5xx are retried
    `retries` times with exponential backoff; other statuses fail at once."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        *,
        retries: int = 2,
        backoff_seconds: float = 0.2,
    ) -> None:
        self._client = client
        self._url = url
        self._retries = max(0, retries)
        self._backoff = backoff_seconds

    async def fetch(self) -> object:
        return parse_answer(await self._get_with_retries())

    async def _get_with_retries(self) -> bytes:
        problem = "the upstream failed"
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                return await self._get()
            except _Retryable as exc:
                problem = str(exc)
        raise UpstreamUnavailable(f"{problem} (after {self._retries + 1} attempts)")

    async def _get(self) -> bytes:
        try:
            async with self._client.stream(
                "GET", self._url, headers={"Accept": "application/json"}
            ) as answer:
                if answer.status_code == 429 or answer.status_code >= 500:
                    raise _Retryable(f"the upstream answered HTTP {answer.status_code}")
                if answer.status_code >= 300:
                    raise UpstreamUnavailable(f"the upstream answered HTTP {answer.status_code}")
                body = bytearray()
                async for chunk in answer.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise UpstreamMalformed(
                            f"the upstream answer is larger than {MAX_ANSWER_BYTES} bytes",
                            cut(bytes(body[:200]).decode("utf-8", errors="replace")),
                        )
                return bytes(body)
        except httpx.TimeoutException as exc:
            raise _Retryable("the upstream timed out") from exc
        except httpx.TransportError as exc:
            raise _Retryable(f"the upstream could not be reached ({type(exc).__name__})") from exc


def parse_answer(body: bytes) -> object:
    """The JSON document of an upstream answer; UpstreamMalformed when it is not JSON."""
    try:
        with gc_paused():
            return msgspec.json.decode(body)
    except msgspec.DecodeError:
        text = body[:1000].decode("utf-8", errors="replace")
        raise UpstreamMalformed("the upstream answer is not JSON", cut(text)) from None


class _Retryable(Exception):
    pass
