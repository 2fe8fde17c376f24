"""Two-factor sign-in: the domain's rules (a code never accepted twice, a recovery code
spent once) and the use cases, built by the container over in-memory fakes at a fixed
time; the codes are computed with pyotp, as an authenticator app would."""

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pyotp
import pytest
from dishka import AsyncContainer, Provider, Scope, provide

from adapters.memory.accounts import InMemoryLoginHistory
from application.accounts.authenticate import Authenticate
from application.accounts.complete_mfa_login import CompleteMfaLogin, CompleteMfaLoginCommand
from application.accounts.confirm_mfa import ConfirmMfa, ConfirmMfaCommand
from application.accounts.disable_mfa import DisableMfa, DisableMfaCommand
from application.accounts.get_mfa_status import GetMfaStatus
from application.accounts.log_in import LogIn, LogInCommand
from application.accounts.mfa import ENROL, LOGIN, MfaRequired
from application.accounts.sign_up import CreateAdmin, SignUp, SignUpCommand
from application.accounts.start_mfa import MfaEnrolment, StartMfaCommand, StartMfaEnrolment
from application.accounts.tokens import TokenPair
from application.ports.accounts import MfaChallenges, MfaFailures, TokenIssuer
from domain.accounts import (
    CODE_FORMAT,
    CODE_REUSED,
    MFA_ALREADY_ON,
    MFA_NOT_ON,
    MFA_NOT_PENDING,
    RECOVERY_CODE_COUNT,
    RECOVERY_WRONG,
    Mfa,
    MfaCode,
    MfaEnrolmentRequired,
    User,
    new_recovery_codes,
    recovery_code_hash,
)
from domain.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    InvalidValue,
    RateLimited,
)
from domain.ids import new_id
from tests.support.accounts import CREATED_AT
from tests.support.container import Fakes, use_cases

PASSWORD = "password123"

# The domain


@pytest.mark.parametrize(
    ("raw", "value", "recovery"),
    [
        ("123456", "123456", False),
        (" 123 456 ", "123456", False),
        ("abcd-efgh-ijkl-mnop", "ABCDEFGHIJKLMNOP", True),
        ("ABCD EFGH IJKL MN23", "ABCDEFGHIJKLMN23", True),
    ],
)
def test_a_code_is_six_digits_or_a_recovery_code(raw: str, value: str, recovery: bool) -> None:
    code = MfaCode(raw)
    assert (code.value, code.is_recovery) == (value, recovery)
    assert value not in repr(code)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", CODE_FORMAT),
        ("12345", CODE_FORMAT),
        ("1234567", CODE_FORMAT),
        ("١٢٣٤٥٦", CODE_FORMAT),  # Arabic-Indic digits are digits to str.isdigit
        ("ABCD-EFGH-IJKL-MNO1", CODE_FORMAT),  # 1 is no base32 letter
        ("12\x003456", "NUL"),
        ("1" * 65, "at most 64"),
    ],
)
def test_other_codes_are_refused_saying_why(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        MfaCode(raw)


def _mfa(**changes: object) -> Mfa:
    return replace(Mfa(new_id(), "v1.sealed", CREATED_AT), **changes)  # type: ignore[arg-type]


def test_a_time_step_is_accepted_once_and_never_an_earlier_one() -> None:
    mfa = _mfa().use_step(100)
    assert mfa.last_step == 100
    for step in (100, 99):
        assert not mfa.accepts_step(step)
        with pytest.raises(InvalidValue, match="used already"):
            mfa.use_step(step)
    assert mfa.use_step(101).last_step == 101


def test_a_recovery_code_is_spent_once() -> None:
    codes = new_recovery_codes()
    mfa = _mfa().confirm(7, codes, CREATED_AT)
    spent = mfa.use_recovery_code(MfaCode(codes[3].lower()))
    assert len(spent.recovery_hashes) == RECOVERY_CODE_COUNT - 1
    with pytest.raises(InvalidValue, match=RECOVERY_WRONG):
        spent.use_recovery_code(MfaCode(codes[3]))
    with pytest.raises(InvalidValue, match=RECOVERY_WRONG):
        mfa.use_recovery_code(MfaCode("AAAA-AAAA-AAAA-AAAA"))  # never one of them
    with pytest.raises(InvalidValue, match=RECOVERY_WRONG):
        mfa.use_recovery_code(MfaCode("123456"))  # a TOTP code is no recovery code


def test_confirming_turns_it_on_once_with_the_step_spent() -> None:
    codes = new_recovery_codes()
    pending = _mfa()
    assert not pending.is_on
    on = pending.confirm(7, codes, CREATED_AT)
    assert on.is_on
    assert on.last_step == 7
    assert on.recovery_hashes == {recovery_code_hash(c.replace("-", "")) for c in codes}
    with pytest.raises(Conflict, match=MFA_ALREADY_ON):
        on.confirm(8, codes, CREATED_AT)


def test_recovery_codes_are_ten_distinct_readable_codes() -> None:
    codes = new_recovery_codes()
    assert len(set(codes)) == RECOVERY_CODE_COUNT
    for code in codes:
        assert len(code) == 19
        assert code.count("-") == 3
        assert MfaCode(code).is_recovery
    assert set(codes).isdisjoint(new_recovery_codes())


# The use cases


class Kit(Fakes):
    """The fakes, the use cases of two-factor sign-in, and an authenticator app."""

    def __init__(self) -> None:
        super().__init__()
        # Wrong codes counted on the fake clock, so that a test can wait a window out.
        self.failures = InMemoryLoginHistory(600, 1, monotonic=lambda: self.clock.now().timestamp())

    async def resolve(self, request: AsyncContainer) -> None:
        self.sign_up = await request.get(SignUp)
        self.create_admin = await request.get(CreateAdmin)
        self.log_in = await request.get(LogIn)
        self.start = await request.get(StartMfaEnrolment)
        self.confirm = await request.get(ConfirmMfa)
        self.disable = await request.get(DisableMfa)
        self.complete = await request.get(CompleteMfaLogin)
        self.status = await request.get(GetMfaStatus)
        self.authenticate = await request.get(Authenticate)
        self.challenges = await request.get(MfaChallenges)
        self.issuer = await request.get(TokenIssuer)

    def code(self, secret: str, *, steps: int = 0) -> str:
        """The app's code now, or `steps` time steps away."""
        return pyotp.TOTP(secret).at(self.clock.now() + timedelta(seconds=30 * steps))

    def wrong(self, secret: str) -> str:
        """A code of none of the steps that count now."""
        near = {self.code(secret, steps=s) for s in (-1, 0, 1)}
        return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)

    def next_step(self) -> None:
        self.clock.advance(seconds=30)

    async def challenge(self, username: str = "ann") -> str:
        answer = await self.log_in(LogInCommand(username, PASSWORD, "1.2.3.4"))
        assert isinstance(answer, MfaRequired)
        return answer.challenge

    async def enrolled(self, username: str = "ann") -> tuple[User, str, tuple[str, ...]]:
        """A user with two-factor sign-in on: them, the secret, the recovery codes."""
        user = await self.sign_up(SignUpCommand(username, PASSWORD))
        enrolment = await self.start(StartMfaCommand(user=user))
        codes = await self.confirm(ConfirmMfaCommand(self.code(enrolment.secret), user=user))
        self.next_step()  # the confirming code is spent
        return user, enrolment.secret, codes


class FailuresOnTheFakeClock(Provider):
    scope = Scope.APP

    def __init__(self, kit: Kit) -> None:
        super().__init__()
        self._kit = kit

    @provide
    def failures(self) -> MfaFailures:
        return self._kit.failures


@pytest.fixture
async def kit() -> AsyncIterator[Kit]:
    kit = Kit()
    async with use_cases(kit, FailuresOnTheFakeClock(kit)) as request:
        await kit.resolve(request)
        yield kit


@pytest.fixture
async def staff_kit() -> AsyncIterator[Kit]:
    kit = Kit()
    async with use_cases(kit, FailuresOnTheFakeClock(kit), mfa_required_for_staff=True) as request:
        await kit.resolve(request)
        yield kit


async def test_enrolment_answers_a_secret_and_its_uri_and_is_off_until_confirmed(kit: Kit) -> None:
    user = await kit.sign_up(SignUpCommand("ann", PASSWORD))
    enrolment = await kit.start(StartMfaCommand(user=user))
    assert enrolment.uri == pyotp.TOTP(enrolment.secret).provisioning_uri(
        name="ann", issuer_name="Herald"
    )
    assert enrolment.uri.startswith("otpauth://totp/Herald:ann?secret=")
    stored = await kit.mfa.get(user.id)
    assert stored is not None
    assert not stored.is_on
    assert enrolment.secret not in stored.sealed_secret  # sealed, not in plain text
    assert not await kit.status(user.id)
    login = await kit.log_in(LogInCommand("ann", PASSWORD, "1.2.3.4"))
    assert isinstance(login, TokenPair)  # pending is not on
    codes = await kit.confirm(ConfirmMfaCommand(kit.code(enrolment.secret), user=user))
    assert len(set(codes)) == RECOVERY_CODE_COUNT
    assert await kit.status(user.id)
    stored = await kit.mfa.get(user.id)
    assert stored is not None
    assert not any(c in h or c.replace("-", "") in h for c in codes for h in stored.recovery_hashes)


async def test_confirming_needs_an_enrolment_a_right_code_and_happens_once(kit: Kit) -> None:
    user = await kit.sign_up(SignUpCommand("ann", PASSWORD))
    with pytest.raises(Conflict, match="no two-factor enrolment"):
        await kit.confirm(ConfirmMfaCommand("123456", user=user))
    enrolment = await kit.start(StartMfaCommand(user=user))
    wrong = kit.wrong(enrolment.secret)
    with pytest.raises(InvalidInput) as caught:
        await kit.confirm(ConfirmMfaCommand(wrong, user=user))
    assert [(e.field, e.message) for e in caught.value.errors] == [("code", "is wrong or expired")]
    with pytest.raises(InvalidInput, match="code: must be the 6-digit code"):
        await kit.confirm(ConfirmMfaCommand("not a code", user=user))
    with pytest.raises(InvalidInput, match="code: must be the 6-digit code"):  # none yet
        await kit.confirm(ConfirmMfaCommand("ABCD-EFGH-IJKL-MNOP", user=user))
    await kit.confirm(ConfirmMfaCommand(kit.code(enrolment.secret), user=user))
    with pytest.raises(Conflict, match=MFA_ALREADY_ON):
        await kit.confirm(ConfirmMfaCommand(kit.code(enrolment.secret, steps=1), user=user))
    with pytest.raises(Conflict, match=MFA_ALREADY_ON):
        await kit.start(StartMfaCommand(user=user))
    assert MFA_NOT_PENDING.startswith("no two-factor enrolment")


async def test_starting_again_replaces_a_pending_secret(kit: Kit) -> None:
    user = await kit.sign_up(SignUpCommand("ann", PASSWORD))
    first = await kit.start(StartMfaCommand(user=user))
    second = await kit.start(StartMfaCommand(user=user))
    assert first.secret != second.secret
    with pytest.raises(InvalidInput, match="code: is wrong"):
        await kit.confirm(ConfirmMfaCommand(kit.code(first.secret), user=user))
    await kit.confirm(ConfirmMfaCommand(kit.code(second.secret), user=user))


async def test_login_answers_a_challenge_that_a_code_turns_into_tokens(kit: Kit) -> None:
    user, secret, _ = await kit.enrolled()
    challenge = await kit.challenge()
    pair = await kit.complete(CompleteMfaLoginCommand(challenge, kit.code(secret)))
    principal = await kit.authenticate(pair.access_token)
    assert principal.user.id == user.id


async def test_a_code_is_never_accepted_twice(kit: Kit) -> None:
    _, secret, _ = await kit.enrolled()
    code = kit.code(secret)
    await kit.complete(CompleteMfaLoginCommand(await kit.challenge(), code))
    with pytest.raises(AuthenticationFailed, match=f"the code {CODE_REUSED}"):
        await kit.complete(CompleteMfaLoginCommand(await kit.challenge(), code))
    # Nor the code of the step before, though drift lets it count until then.
    with pytest.raises(AuthenticationFailed, match="used already"):
        await kit.complete(
            CompleteMfaLoginCommand(await kit.challenge(), kit.code(secret, steps=-1))
        )
    kit.next_step()
    await kit.complete(CompleteMfaLoginCommand(await kit.challenge(), kit.code(secret)))


async def test_the_code_of_a_neighbouring_step_counts_one_further_does_not(kit: Kit) -> None:
    _, secret, _ = await kit.enrolled()
    kit.clock.advance(minutes=5)
    with pytest.raises(AuthenticationFailed, match="the code is wrong or expired"):
        await kit.complete(
            CompleteMfaLoginCommand(await kit.challenge(), kit.code(secret, steps=-2))
        )
    # A phone whose clock is a step ahead.
    await kit.complete(CompleteMfaLoginCommand(await kit.challenge(), kit.code(secret, steps=1)))
    # Its code was for a later step than now: the current one is spent with it.
    with pytest.raises(AuthenticationFailed, match="used already"):
        await kit.complete(CompleteMfaLoginCommand(await kit.challenge(), kit.code(secret)))


async def test_a_recovery_code_works_instead_of_a_code_once(kit: Kit) -> None:
    _, _, codes = await kit.enrolled()
    await kit.complete(CompleteMfaLoginCommand(await kit.challenge(), codes[0]))
    with pytest.raises(AuthenticationFailed, match="not an unused recovery code"):
        await kit.complete(CompleteMfaLoginCommand(await kit.challenge(), codes[0]))
    await kit.complete(CompleteMfaLoginCommand(await kit.challenge(), codes[1].lower()))


async def test_a_challenge_expires_and_serves_its_purpose_only(kit: Kit) -> None:
    user, secret, _ = await kit.enrolled()
    challenge = await kit.challenge()
    kit.clock.advance(seconds=301)  # HERALD_MFA_CHALLENGE_SECONDS: 300
    with pytest.raises(AuthenticationFailed, match="challenge is invalid or expired"):
        await kit.complete(CompleteMfaLoginCommand(challenge, kit.code(secret)))
    enrol = kit.challenges.issue(user.id, ENROL).token
    access = await kit.complete(CompleteMfaLoginCommand(await kit.challenge(), kit.code(secret)))
    for token in (enrol, access.access_token, "x" * 3000, "not.a.jwt"):
        with pytest.raises(AuthenticationFailed, match="challenge is invalid or expired"):
            await kit.complete(CompleteMfaLoginCommand(token, kit.code(secret, steps=1)))
    with pytest.raises(AuthenticationFailed):  # a challenge is no access token either
        await kit.authenticate(kit.challenges.issue(user.id, LOGIN).token)


async def test_a_disabled_account_cannot_complete_its_challenge(kit: Kit) -> None:
    user, secret, _ = await kit.enrolled()
    challenge = await kit.challenge()
    await kit.users.update(replace(user, disabled=True))
    with pytest.raises(AuthenticationFailed, match="challenge"):
        await kit.complete(CompleteMfaLoginCommand(challenge, kit.code(secret)))


async def test_wrong_codes_are_limited_per_account(kit: Kit) -> None:
    _, secret, codes = await kit.enrolled()
    challenge = await kit.challenge()
    for _ in range(5):  # HERALD_MFA_FAILURE_LIMIT
        with pytest.raises(AuthenticationFailed):
            await kit.complete(CompleteMfaLoginCommand(challenge, kit.wrong(secret)))
    # Then even a right code is refused until the window ends, with a fresh challenge too.
    with pytest.raises(RateLimited) as caught:
        await kit.complete(CompleteMfaLoginCommand(await kit.challenge(), kit.code(secret)))
    assert 0 < caught.value.retry_after_seconds <= 600
    with pytest.raises(RateLimited):
        await kit.complete(CompleteMfaLoginCommand(await kit.challenge(), codes[0]))
    kit.clock.advance(seconds=600)
    await kit.complete(CompleteMfaLoginCommand(await kit.challenge(), kit.code(secret)))


async def test_the_limit_holds_for_turning_it_off_too(kit: Kit) -> None:
    user, secret, _ = await kit.enrolled()
    for _ in range(5):
        with pytest.raises(InvalidInput):
            await kit.disable(DisableMfaCommand(user, kit.wrong(secret)))
    with pytest.raises(RateLimited):
        await kit.disable(DisableMfaCommand(user, kit.code(secret)))
    assert await kit.status(user.id)


async def test_turning_it_off_takes_a_code_or_a_recovery_code(kit: Kit) -> None:
    user, secret, codes = await kit.enrolled()
    with pytest.raises(InvalidInput, match="code: is not an unused recovery code"):
        await kit.disable(DisableMfaCommand(user, "AAAA-AAAA-AAAA-AAAA"))
    await kit.disable(DisableMfaCommand(user, codes[0]))
    assert not await kit.status(user.id)
    assert await kit.mfa.get(user.id) is None
    assert isinstance(await kit.log_in(LogInCommand("ann", PASSWORD, "1.2.3.4")), TokenPair)
    with pytest.raises(Conflict, match=MFA_NOT_ON):
        await kit.disable(DisableMfaCommand(user, kit.code(secret)))
    bob, bobs_secret, _ = await kit.enrolled("bob")
    await kit.disable(DisableMfaCommand(bob, kit.code(bobs_secret)))
    assert not await kit.status(bob.id)


async def test_staff_without_mfa_get_an_enrolment_challenge_instead_of_tokens(
    staff_kit: Kit,
) -> None:
    kit = staff_kit
    await kit.create_admin(SignUpCommand("root", PASSWORD))
    await kit.sign_up(SignUpCommand("ann", PASSWORD))
    assert isinstance(await kit.log_in(LogInCommand("ann", PASSWORD, "c")), TokenPair)
    with pytest.raises(MfaEnrolmentRequired) as caught:
        await kit.log_in(LogInCommand("root", PASSWORD, "c"))
    refused = caught.value
    assert refused.problem_members()["code"] == "mfa_enrolment_required"
    # The challenge enrols, and nothing else: it is no login challenge.
    with pytest.raises(AuthenticationFailed, match="challenge"):
        await kit.complete(CompleteMfaLoginCommand(refused.challenge, "123456"))
    enrolment: MfaEnrolment = await kit.start(StartMfaCommand(challenge=refused.challenge))
    assert "Herald:root" in enrolment.uri
    codes = await kit.confirm(
        ConfirmMfaCommand(kit.code(enrolment.secret), challenge=refused.challenge)
    )
    assert len(codes) == RECOVERY_CODE_COUNT
    kit.next_step()
    challenge = await kit.challenge("root")
    pair = await kit.complete(CompleteMfaLoginCommand(challenge, kit.code(enrolment.secret)))
    assert (await kit.authenticate(pair.access_token)).user.is_admin
    with pytest.raises(AuthenticationFailed, match="challenge"):  # a login challenge
        await kit.start(StartMfaCommand(challenge=challenge))


async def test_without_the_setting_staff_log_in_with_a_password_alone(kit: Kit) -> None:
    await kit.create_admin(SignUpCommand("root", PASSWORD))
    assert isinstance(await kit.log_in(LogInCommand("root", PASSWORD, "c")), TokenPair)
