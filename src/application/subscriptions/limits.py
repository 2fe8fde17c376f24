from application.ports.accounts import RateLimiter


class ConfirmationLimits:
    """SMS pumping (fake sign-ups texting premium numbers) is the main fraud against SMS
    APIs: new confirmation texts are limited per caller per hour, per phone per day and
    per country calling code per hour. Every limit counts the attempt; the longest wait
    is the answer."""

    def __init__(self, per_caller: RateLimiter, per_phone: RateLimiter, per_country: RateLimiter):
        self._limits = (("caller", per_caller), ("phone", per_phone), ("country", per_country))

    async def hit(self, caller: str, phone: str, country: str) -> int | None:
        """None when every limit allows another confirmation, else the seconds to wait."""
        keys = {"caller": caller, "phone": phone, "country": country}
        waits = [await limiter.hit(f"{name}:{keys[name]}") for name, limiter in self._limits]
        refused = [w for w in waits if w is not None]
        return max(refused) if refused else None
