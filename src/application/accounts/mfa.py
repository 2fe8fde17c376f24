"""What two-factor sign-in's use cases share: the policy, the answer of a login that
needs a code, the user a challenge stands for, and spending a code under the failure
limit."""

from dataclasses import dataclass

from application.ports.accounts import (
    MfaChallenges,
    MfaFailures,
    MfaRepository,
    MfaSecretBox,
    Totp,
    UserRepository,
)
from application.ports.clock import Clock
from domain.accounts import (
    CODE_NOT_TOTP,
    CODE_REUSED,
    CODE_WRONG,
    RECOVERY_WRONG,
    Mfa,
    MfaCode,
    User,
)
from domain.errors import AuthenticationFailed, InvalidValue, RateLimited

LOGIN = "login"  # a challenge that a code turns into tokens
ENROL = "enrol"  # a challenge good only for a staff account's enrolment
INVALID_CHALLENGE = "the challenge is invalid or expired; log in again"
CHALLENGE_MAX = 2048  # issued challenges are about 250 characters
TOO_MANY_FAILURES = "too many wrong two-factor codes; try again later"


@dataclass(frozen=True, slots=True)
class MfaPolicy:
    issuer: str = "Herald"  # the name authenticator apps show
    max_failures: int = 5  # wrong codes per account within the failure window
    required_for_staff: bool = False


@dataclass(frozen=True, slots=True)
class MfaRequired:
    """A login whose password was right, of an account with two-factor sign-in on: the
    challenge and a code make the tokens (`CompleteMfaLogin`)."""

    challenge: str
    expires_in: int


class ChallengedUser:
    """The enabled user a challenge of `purpose` stands for; AuthenticationFailed
    (INVALID_CHALLENGE) for an invalid or expired challenge or a disabled account."""

    def __init__(self, challenges: MfaChallenges, users: UserRepository) -> None:
        self._challenges = challenges
        self._users = users

    async def __call__(self, challenge: str, purpose: str) -> User:
        if len(challenge) > CHALLENGE_MAX:
            raise AuthenticationFailed(INVALID_CHALLENGE)
        user = await self._users.get(self._challenges.decode(challenge, purpose))
        if user is None or user.disabled:
            raise AuthenticationFailed(INVALID_CHALLENGE)
        return user

    async def enrolling(self, user: User | None, challenge: str | None) -> User:
        """The signed-in user, or the staff account of an enrolment challenge."""
        if user is not None:
            return user
        if challenge is None:
            raise AuthenticationFailed(INVALID_CHALLENGE)
        return await self(challenge, ENROL)


class SecondFactor:
    """Check and spend one code of an account's MFA.

    Rules: after `MfaPolicy.max_failures` wrong codes within the failure window, every
    code is refused (RateLimited) until the window ends, a right one too. A TOTP code
    counts for its time step and its neighbours (clock drift) and is good once: a step
    at or before the last one accepted is refused (CODE_REUSED). A recovery code is good
    once. Two requests spending one code at once: one wins, the other is refused. A
    wrong or spent code is InvalidValue, and counts as a failure.
    """

    def __init__(
        self,
        mfa: MfaRepository,
        box: MfaSecretBox,
        totp: Totp,
        failures: MfaFailures,
        policy: MfaPolicy,
        clock: Clock,
    ) -> None:
        self._mfa = mfa
        self._box = box
        self._totp = totp
        self._failures = failures
        self._policy = policy
        self._clock = clock

    async def step(self, mfa: Mfa, code: MfaCode) -> int:
        """The time step of a right TOTP code (unspent); InvalidValue otherwise."""
        await self._refuse_when_limited(mfa)
        try:
            if code.is_recovery:
                raise InvalidValue(CODE_NOT_TOTP)
            return self._step(mfa, code)
        except InvalidValue:
            await self._failures.add_failure(str(mfa.user_id))
            raise

    async def spend(self, mfa: Mfa, code: MfaCode) -> Mfa:
        """The MFA with the code spent (stored already); InvalidValue for a wrong or
        spent code."""
        await self._refuse_when_limited(mfa)
        try:
            return await self._spend(mfa, code)
        except InvalidValue:
            await self._failures.add_failure(str(mfa.user_id))
            raise

    async def _refuse_when_limited(self, mfa: Mfa) -> None:
        failures, window_left = await self._failures.failures(str(mfa.user_id))
        if failures >= self._policy.max_failures:
            raise RateLimited(TOO_MANY_FAILURES, window_left)

    def _step(self, mfa: Mfa, code: MfaCode) -> int:
        secret = self._box.open(mfa.sealed_secret, mfa.user_id)
        step = self._totp.matching_step(secret, code.value, self._clock.now())
        if step is None:
            raise InvalidValue(CODE_WRONG)
        if not mfa.accepts_step(step):
            raise InvalidValue(CODE_REUSED)
        return step

    async def _spend(self, mfa: Mfa, code: MfaCode) -> Mfa:
        if code.is_recovery:
            spent = mfa.use_recovery_code(code)
            if not await self._mfa.use_recovery_code(mfa.user_id, code.hash):
                raise InvalidValue(RECOVERY_WRONG)
            return spent
        step = self._step(mfa, code)
        if not await self._mfa.use_step(mfa.user_id, step):
            raise InvalidValue(CODE_REUSED)
        return mfa.use_step(step)
