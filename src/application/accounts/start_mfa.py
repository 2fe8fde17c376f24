import logging
from dataclasses import dataclass

from application.accounts.mfa import ChallengedUser, MfaPolicy
from application.ports.accounts import MfaRepository, MfaSecretBox, Totp
from application.ports.clock import Clock
from application.ports.transactions import TransactionManager
from domain.accounts import MFA_ALREADY_ON, Mfa, User
from domain.errors import Conflict

log = logging.getLogger("herald.audit")


@dataclass(frozen=True, slots=True)
class StartMfaCommand:
    user: User | None = None  # the signed-in user, or
    challenge: str | None = None  # a staff account's enrolment challenge


@dataclass(frozen=True, slots=True)
class MfaEnrolment:
    secret: str  # base32, for typing into an authenticator app
    uri: str  # otpauth://totp/..., for its QR code


class StartMfaEnrolment:
    """Begin turning two-factor sign-in on: a new TOTP secret for the account.

    Rules: the caller is the signed-in user, or a staff account with the enrolment
    challenge its login answered (AuthenticationFailed when invalid or expired). Refused
    (Conflict) while two-factor sign-in is on. A pending enrolment is replaced: the
    codes of its secret stop counting. The secret and its `otpauth://` URI (issuer
    `MfaPolicy.issuer`, the username as the account) are answered this once and stored
    sealed. Two-factor sign-in is not on until `ConfirmMfa`.
    """

    def __init__(
        self,
        mfa: MfaRepository,
        box: MfaSecretBox,
        totp: Totp,
        challenged: ChallengedUser,
        policy: MfaPolicy,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._mfa = mfa
        self._box = box
        self._totp = totp
        self._challenged = challenged
        self._policy = policy
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: StartMfaCommand) -> MfaEnrolment:
        user = await self._challenged.enrolling(cmd.user, cmd.challenge)
        current = await self._mfa.get(user.id)
        if current is not None and current.is_on:
            raise Conflict(MFA_ALREADY_ON)
        secret = self._totp.new_secret()
        await self._mfa.save(
            Mfa(
                user_id=user.id,
                sealed_secret=self._box.seal(secret, user.id),
                created_at=self._clock.now(),
            )
        )
        await self._tx.commit()
        log.info("mfa enrolment started", extra={"actor_id": str(user.id)})
        return MfaEnrolment(
            secret, self._totp.uri(secret, user.username.value, self._policy.issuer)
        )
