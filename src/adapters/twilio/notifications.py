"""SMS through Twilio's Messages API, with the official SDK on its asynchronous client
(`TwilioHttpClient`: our aiohttp session, timeout and base URL, and the Retry-After the
SDK drops)."""

from typing import Any

import aiohttp
from twilio.base import values
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.rest import Client

from adapters.http.status import is_transient, retry_after_seconds
from adapters.twilio.client import TWILIO_API, TwilioHttpClient, last_retry_after
from application.ports.notifications import (
    DeliveryError,
    PermanentDeliveryError,
    RecipientOptedOut,
    SendReceipt,
    SmsMessage,
    TransientDeliveryError,
)

OPTED_OUT = 21610
_SDK_PREFIX = "Unable to create record: "


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
        self._http = TwilioHttpClient(base_url, timeout_seconds, upstream=TWILIO_API)
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
        last_retry_after.set(None)
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
            text, code=twilio_code, retry_after_seconds=retry_after_seconds(last_retry_after.get())
        )
    return PermanentDeliveryError(text, code=twilio_code)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
