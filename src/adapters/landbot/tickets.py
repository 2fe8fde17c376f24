"""Texts into a customer's Landbot chat through Landbot's API, over httpx:
`POST {base}/v1/customers/{customer_id}/send_text/` with `{"message": text}` and the
account's API token as `Authorization: Token <token>`.

A 2xx is taken. 401/403 (a wrong or revoked token), 404 (no such customer) and the other
4xx are permanent: the same message would be refused again. 429, 5xx, timeouts and
connection errors are transient, with Landbot's `Retry-After` when it gives one.
"""

from urllib.parse import quote

import httpx

from adapters.http.status import is_transient, retry_after_seconds
from adapters.http.transport import AiohttpTransport
from application.ports.tickets import LandbotError, LandbotRejected, LandbotUnavailable

DEFAULT_URL = "https://api.landbot.io"
_MAX_CONNECTIONS = 20


class HttpLandbotMessenger:
    def __init__(
        self,
        api_token: str,
        *,
        base_url: str = DEFAULT_URL,
        timeout_seconds: float = 10.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Token {api_token}"}
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(
            transport=AiohttpTransport(_MAX_CONNECTIONS), timeout=timeout_seconds
        )
        self._timeout = timeout_seconds

    async def send_text(self, customer_id: str, text: str) -> None:
        url = f"{self._base}/v1/customers/{quote(customer_id, safe='')}/send_text/"
        try:
            response = await self._http.post(
                url, json={"message": text}, headers=self._headers, timeout=self._timeout
            )
        except httpx.TimeoutException as exc:
            raise LandbotUnavailable(f"Landbot timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise LandbotUnavailable(f"Landbot unreachable ({type(exc).__name__})") from exc
        if response.is_success:
            return
        raise _classify(response)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()


def _classify(response: httpx.Response) -> LandbotError:
    status = response.status_code
    what = _detail(response)
    if is_transient(status):
        retry = retry_after_seconds(response.headers.get("Retry-After"))
        return LandbotUnavailable(f"Landbot answered {status}: {what}", status, retry)
    if status in (401, 403):
        return LandbotRejected(f"Landbot refused the API token ({status}): {what}", status)
    if status == 404:
        return LandbotRejected(f"Landbot has no such customer: {what}", status)
    return LandbotRejected(f"Landbot answered {status}: {what}", status)


def _detail(response: httpx.Response) -> str:
    """Landbot's `{"detail": ...}` (Django REST framework's errors), or the reason."""
    try:
        body = response.json()
        if isinstance(body, dict) and "detail" in body:
            return str(body["detail"])[:200]
    except ValueError:
        pass
    return response.reason_phrase or "no detail"
