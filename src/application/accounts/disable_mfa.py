import logging
from dataclasses import dataclass

from application.accounts.mfa import SecondFactor
from application.ports.accounts import MfaRepository
from application.ports.transactions import TransactionManager
from domain.accounts import MFA_NOT_ON, MfaCode, User
from domain.errors import Conflict, FieldErrors, InvalidInput, InvalidValue

log = logging.getLogger("herald.audit")


@dataclass(frozen=True, slots=True)
class DisableMfaCommand:
    user: User
    code: str


class DisableMfa:
    """A signed-in user turns two-factor sign-in off.

    Rules: Conflict (MFA_NOT_ON) unless it is on. `code` is a current code of the
    authenticator app or an unused recovery code (InvalidInput on `code`), checked and
    spent as `SecondFactor` does, under its failure limit (RateLimited), so a stolen
    access token alone cannot turn it off. The secret and every recovery code are
    deleted. Audited.
    """

    def __init__(
        self, mfa: MfaRepository, second_factor: SecondFactor, tx: TransactionManager
    ) -> None:
        self._mfa = mfa
        self._second_factor = second_factor
        self._tx = tx

    async def __call__(self, cmd: DisableMfaCommand) -> None:
        errors = FieldErrors()
        code = errors.check("code", MfaCode, cmd.code)
        errors.raise_if_any()
        current = await self._mfa.get(cmd.user.id)
        if current is None or not current.is_on:
            raise Conflict(MFA_NOT_ON)
        try:
            await self._second_factor.spend(current, code)
        except InvalidValue as exc:
            raise InvalidInput.field("code", exc.message) from None
        await self._mfa.delete(cmd.user.id)
        await self._tx.commit()
        log.info(
            "mfa turned off",
            extra={"actor_id": str(cmd.user.id), "actor": cmd.user.username.value},
        )
