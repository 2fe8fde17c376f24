"""Per-process memory of phone lookups: each Twilio Lookup costs money and a round trip,
and a number's line type rarely changes. Only verified answers are kept, so a number
checked while Twilio was unreachable is asked again next time."""

import time
from collections.abc import Callable

from cachetools import TTLCache

from application.ports.phone_lookup import LookupResult, PhoneLookup
from domain.recipients import PhoneNumber


class CachingPhoneLookup:
    def __init__(
        self,
        inner: PhoneLookup,
        *,
        ttl_seconds: float,
        max_entries: int,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self._results: TTLCache[str, LookupResult] = TTLCache(max_entries, ttl_seconds, timer)

    async def check(self, phone: PhoneNumber) -> LookupResult:
        found = self._results.get(phone.value)
        if found is None:
            found = await self._inner.check(phone)
            if found.verified:
                self._results[phone.value] = found
        return found
