"""The binding of PhoneLookup: the format check alone, or Twilio Lookup v2 behind a
per-process cache (`HERALD_PHONE_LOOKUP`)."""

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide

from adapters.cachetools.phone_lookup import CachingPhoneLookup
from adapters.memory.phone_lookup import FormatPhoneLookup
from adapters.twilio.lookup import TwilioPhoneLookup
from application.ports.phone_lookup import PhoneLookup
from entrypoints.settings import PhoneLookupSettings, TwilioSettings


class PhoneLookupProvider(Provider):
    scope = Scope.APP

    @provide
    async def phone_lookup(
        self, settings: PhoneLookupSettings, twilio: TwilioSettings
    ) -> AsyncIterator[PhoneLookup]:
        if settings.provider == "format":
            yield FormatPhoneLookup()
            return
        # Settings refuse HERALD_PHONE_LOOKUP=twilio without the account.
        assert twilio.account_sid
        assert twilio.auth_token
        lookup = TwilioPhoneLookup(
            twilio.account_sid,
            twilio.auth_token,
            base_url=settings.base_url,
            timeout_seconds=settings.timeout_seconds,
        )
        try:
            yield CachingPhoneLookup(
                lookup, ttl_seconds=settings.cache_seconds, max_entries=settings.cache_size
            )
        finally:  # also when the loop that made it closes its generators first
            await lookup.aclose()
