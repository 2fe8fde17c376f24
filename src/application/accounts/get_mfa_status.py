from uuid import UUID

from application.ports.accounts import MfaRepository


class GetMfaStatus:
    """Whether two-factor sign-in is on for the account: confirmed, not merely pending."""

    def __init__(self, mfa: MfaRepository) -> None:
        self._mfa = mfa

    async def __call__(self, user_id: UUID) -> bool:
        mfa = await self._mfa.get(user_id)
        return mfa is not None and mfa.is_on
