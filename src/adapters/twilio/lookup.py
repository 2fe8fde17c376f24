"""Phone numbers checked through Twilio Lookup v2 (validity and line type), with the
official SDK on its asynchronous client.

One request per number: `GET /v2/PhoneNumbers/{number}?Fields=line_type_intelligence`.
Twilio answers 200 with `valid` and `validation_errors` for any number it can parse, and
404 for one it cannot; both mean invalid. Everything else that is not a 200 (timeouts,
connection errors, 429, 5xx, and a 401 from wrong credentials) means Lookup could not
tell: the number is accepted on its format alone, unverified, and the failure is logged,
so that a Twilio outage never refuses a recipient or answers 5xx.
"""

import logging
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.rest import Client

from adapters.twilio.client import TWILIO_LOOKUPS, TwilioHttpClient
from application.ports.phone_lookup import LineType, LookupResult
from domain.recipients import PhoneNumber

FIELDS = "line_type_intelligence"
_log = logging.getLogger("herald.twilio_lookup")


class TwilioPhoneLookup:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        base_url: str | None = None,
        timeout_seconds: float = 5.0,
    ) -> None:
        self._http = TwilioHttpClient(base_url, timeout_seconds, upstream=TWILIO_LOOKUPS)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        # Herald's settings decide where requests go, not TWILIO_EDGE/TWILIO_REGION.
        self._client.edge = self._client.region = None
        # Loads the SDK's lazily imported Lookup API now rather than in the first request.
        self._numbers = self._client.lookups.v2.phone_numbers

    async def check(self, phone: PhoneNumber) -> LookupResult:
        try:
            found = await self._numbers(phone.value).fetch_async(fields=FIELDS)
        except (TwilioRestException, TwilioServiceException) as exc:
            if exc.status == 404:
                return LookupResult.invalid("NOT_FOUND")
            return _unreachable(f"HTTP {exc.status}, code {exc.code}")
        except (TimeoutError, aiohttp.ClientError) as exc:
            return _unreachable(f"no answer ({type(exc).__name__})")
        except ValueError:  # a 200 whose body is not Twilio's JSON
            return _unreachable("an unreadable answer")
        if found.valid is False:
            return LookupResult.invalid(*(str(e) for e in found.validation_errors or ()))
        return LookupResult.of_line(_line_type(found.line_type_intelligence))

    async def aclose(self) -> None:
        await self._http.close()


def _line_type(intelligence: Any) -> LineType:
    """`{"type": "mobile", "carrier_name": ..., "error_code": null, ...}`; the type is null
    when Twilio has no line data for the number (its error_code says why)."""
    kind = intelligence.get("type") if isinstance(intelligence, dict) else None
    try:
        return LineType(str(kind))
    except ValueError:  # None included
        return LineType.UNKNOWN


def _unreachable(what: str) -> LookupResult:
    # Neither the number nor the SDK's message (which holds the number) is logged.
    _log.warning("Twilio Lookup gave %s; the phone number is checked by its format", what)
    return LookupResult.format_only()
