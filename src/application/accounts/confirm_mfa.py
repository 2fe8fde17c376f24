import logging
from dataclasses import dataclass

from application.accounts.mfa import ChallengedUser, SecondFactor
from application.ports.accounts import MfaRepository
from application.ports.clock import Clock
from application.ports.transactions import TransactionManager
from domain.accounts import (
    CODE_REUSED,
    MFA_ALREADY_ON,
    MFA_NOT_PENDING,
    MfaCode,
    User,
    new_recovery_codes,
)
from domain.errors import Conflict, FieldErrors, InvalidInput, InvalidValue

log = logging.getLogger("herald.audit")


@dataclass(frozen=True, slots=True)
class ConfirmMfaCommand:
    code: str
    user: User | None = None  # the signed-in user, or
    challenge: str | None = None  # a staff account's enrolment challenge


class ConfirmMfa:
    """Turn two-factor sign-in on with a first code of the enrolment's secret.

    Rules: the caller as for `StartMfaEnrolment`. Conflict without an enrolment in
    progress (MFA_NOT_PENDING) or when it is on already (MFA_ALREADY_ON, a second
    confirmation too). `code` must be a current code of the authenticator app
    (InvalidInput on `code`; a recovery code does not count), under the failure limit of
    `SecondFactor` (RateLimited), and its time step is spent. Answers ten fresh recovery
    codes, this once; only their hashes are kept. Audited.
    """

    def __init__(
        self,
        mfa: MfaRepository,
        second_factor: SecondFactor,
        challenged: ChallengedUser,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._mfa = mfa
        self._second_factor = second_factor
        self._challenged = challenged
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: ConfirmMfaCommand) -> tuple[str, ...]:
        errors = FieldErrors()
        code = errors.check("code", MfaCode, cmd.code)
        errors.raise_if_any()
        user = await self._challenged.enrolling(cmd.user, cmd.challenge)
        pending = await self._mfa.get(user.id)
        if pending is None:
            raise Conflict(MFA_NOT_PENDING)
        if pending.is_on:
            raise Conflict(MFA_ALREADY_ON)
        try:
            step = await self._second_factor.step(pending, code)
        except InvalidValue as exc:
            raise InvalidInput.field("code", exc.message) from None
        codes = new_recovery_codes()
        confirmed = pending.confirm(step, codes, self._clock.now())
        if not await self._mfa.use_step(user.id, step):  # a concurrent confirmation won
            raise InvalidInput.field("code", CODE_REUSED)
        await self._mfa.save(confirmed)
        await self._tx.commit()
        log.info("mfa turned on", extra={"actor_id": str(user.id), "actor": user.username.value})
        return codes
