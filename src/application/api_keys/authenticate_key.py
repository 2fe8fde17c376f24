import hmac

from application.ports.api_keys import ApiKeyReader, KeyRateLimiter
from application.ports.clock import Clock
from domain.api_keys import SECRET_MAX, SECRET_PREFIX, ServicePrincipal, hash_secret
from domain.errors import AuthenticationFailed, RateLimited

UNKNOWN_KEY = "the API key is unknown or revoked"


class AuthenticateKey:
    """Turn an API key's secret into the service behind it.

    Rules: the key must exist and not be revoked (one answer for both, so nothing is
    learnt by probing); the stored hash is compared in constant time. Each key has its
    own rate limit (RateLimited with the seconds to wait). last_used_at is recorded at
    most about once a minute per key, not on every request.
    """

    def __init__(self, keys: ApiKeyReader, limiter: KeyRateLimiter, clock: Clock) -> None:
        self._keys = keys
        self._limiter = limiter
        self._clock = clock

    async def __call__(self, secret: str) -> ServicePrincipal:
        if not secret.startswith(SECRET_PREFIX) or len(secret) > SECRET_MAX:
            raise AuthenticationFailed(UNKNOWN_KEY)
        presented = hash_secret(secret)
        key = await self._keys.find(presented)
        # The lookup is by hash; comparing again in constant time keeps an index or
        # cache that matched loosely from ever letting a wrong secret through.
        if key is None or key.revoked or not hmac.compare_digest(key.secret_hash, presented):
            raise AuthenticationFailed(UNKNOWN_KEY)
        retry_after = await self._limiter.hit(str(key.id))
        if retry_after is not None:
            raise RateLimited(
                f"this API key made too many requests; retry in {retry_after} s", retry_after
            )
        now = self._clock.now()
        if key.use_is_worth_recording(now):
            await self._keys.record_use(key, now)
        return ServicePrincipal(key.id, key.name, key.scopes)
