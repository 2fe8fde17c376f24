import logging
from dataclasses import dataclass

from application.accounts.mfa import INVALID_CHALLENGE, LOGIN, ChallengedUser, SecondFactor
from application.accounts.tokens import TokenPair, TokenPairFactory
from application.ports.accounts import MfaRepository
from application.ports.transactions import TransactionManager
from domain.accounts import MfaCode
from domain.errors import AuthenticationFailed, FieldErrors, InvalidValue

log = logging.getLogger("herald.audit")


@dataclass(frozen=True, slots=True)
class CompleteMfaLoginCommand:
    challenge: str
    code: str


class CompleteMfaLogin:
    """The second step of a login with two-factor sign-in on: the challenge the password
    step answered, and a code, make the access and refresh tokens.

    Rules: `code` has the shape of a code (InvalidInput on `code`). The challenge must be
    a login challenge, valid (a few minutes: HERALD_MFA_CHALLENGE_SECONDS) and of an
    enabled account whose two-factor sign-in is still on (AuthenticationFailed). The
    code is a current code of the authenticator app, never accepted twice, or an unused
    recovery code, which is spent; a wrong or spent one is AuthenticationFailed and
    counts towards the failure limit (RateLimited). A challenge stands for the password
    only: every use needs a fresh code. A recovery code's use is audited.
    """

    def __init__(
        self,
        mfa: MfaRepository,
        challenged: ChallengedUser,
        second_factor: SecondFactor,
        tokens: TokenPairFactory,
        tx: TransactionManager,
    ) -> None:
        self._mfa = mfa
        self._challenged = challenged
        self._second_factor = second_factor
        self._tokens = tokens
        self._tx = tx

    async def __call__(self, cmd: CompleteMfaLoginCommand) -> TokenPair:
        errors = FieldErrors()
        code = errors.check("code", MfaCode, cmd.code)
        errors.raise_if_any()
        user = await self._challenged(cmd.challenge, LOGIN)
        mfa = await self._mfa.get(user.id)
        if mfa is None or not mfa.is_on:
            raise AuthenticationFailed(INVALID_CHALLENGE)
        try:
            spent = await self._second_factor.spend(mfa, code)
        except InvalidValue as exc:
            raise AuthenticationFailed(f"the code {exc.message}") from None
        pair = await self._tokens.start_session(user)
        await self._tx.commit()
        if code.is_recovery:
            log.info(
                "mfa recovery code used",
                extra={
                    "actor_id": str(user.id),
                    "actor": user.username.value,
                    "recovery_codes_left": len(spent.recovery_hashes),
                },
            )
        return pair
