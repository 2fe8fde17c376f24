"""CachingPhoneLookup: a verified answer is remembered per number until its TTL runs out;
an unverified one (Lookup unreachable) is asked again every time."""

from adapters.cachetools.phone_lookup import CachingPhoneLookup
from adapters.memory.phone_lookup import ScriptedPhoneLookup
from application.ports.phone_lookup import LineType, LookupResult
from domain.preferences import PhoneNumber

MOBILE = PhoneNumber("+14155552671")
LANDLINE = PhoneNumber("+14155550100")


class Ticker:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _setup(
    ttl: float = 60.0, max_entries: int = 100
) -> tuple[CachingPhoneLookup, ScriptedPhoneLookup, Ticker]:
    inner = ScriptedPhoneLookup(
        {
            MOBILE.value: LookupResult.of_line(LineType.MOBILE),
            LANDLINE.value: LookupResult.of_line(LineType.LANDLINE),
        }
    )
    ticker = Ticker()
    return (
        CachingPhoneLookup(inner, ttl_seconds=ttl, max_entries=max_entries, timer=ticker),
        inner,
        ticker,
    )


async def test_a_verified_answer_is_remembered_per_number() -> None:
    cache, inner, _ = _setup()
    first = await cache.check(MOBILE)
    assert await cache.check(PhoneNumber("+1 415 555 2671")) == first  # the same number
    assert await cache.check(LANDLINE) == LookupResult.of_line(LineType.LANDLINE)
    assert inner.asked == [MOBILE.value, LANDLINE.value]


async def test_an_answer_is_asked_again_once_its_ttl_ran_out() -> None:
    cache, inner, ticker = _setup(ttl=60.0)
    await cache.check(MOBILE)
    ticker.now = 59.0
    await cache.check(MOBILE)
    assert inner.asked == [MOBILE.value]
    ticker.now = 61.0
    await cache.check(MOBILE)
    assert inner.asked == [MOBILE.value, MOBILE.value]


async def test_an_unverified_answer_is_never_remembered() -> None:
    cache, inner, _ = _setup()
    inner.script[MOBILE.value] = LookupResult.format_only()  # Lookup unreachable
    assert await cache.check(MOBILE) == LookupResult.format_only()
    inner.script[MOBILE.value] = LookupResult.of_line(LineType.MOBILE)  # back again
    assert await cache.check(MOBILE) == LookupResult.of_line(LineType.MOBILE)
    assert await cache.check(MOBILE) == LookupResult.of_line(LineType.MOBILE)
    assert inner.asked == [MOBILE.value, MOBILE.value]


async def test_the_cache_holds_at_most_its_size() -> None:
    cache, inner, _ = _setup(max_entries=1)
    await cache.check(MOBILE)
    await cache.check(LANDLINE)  # evicts MOBILE
    await cache.check(MOBILE)
    assert inner.asked == [MOBILE.value, LANDLINE.value, MOBILE.value]
