import logging
from dataclasses import dataclass, replace
from uuid import UUID

from application.policy import require_admin
from application.ports.accounts import SessionRepository, UserRepository
from application.ports.clock import Clock
from application.ports.transactions import TransactionManager
from domain.accounts import Role, User, ensure_an_admin_remains
from domain.errors import FieldErrors, NotFound

log = logging.getLogger("herald.audit")


@dataclass(frozen=True, slots=True)
class UpdateUserCommand:
    requester: User
    user_id: UUID
    role: str | None = None  # None: unchanged
    disabled: bool | None = None


class UpdateUser:
    """An admin changes an account's role or disables (or enables) it.

    Rules: admins only (PermissionDenied); the role is `user`, `agent` or `admin`, and at
    least one of role and disabled is given (InvalidInput); the account must exist
    (NotFound). The last enabled admin can be neither demoted nor disabled, by anyone,
    themselves included (Conflict); the enabled admins are counted under a lock, so two
    admins demoting each other at once cannot both succeed. Disabling ends every session
    of the account in the same commit (its tokens stop working at once in this process,
    within HERALD_AUTH_CACHE_SECONDS in the others). Each change is logged with who made
    it; a change to nothing is no change and is not logged.
    """

    def __init__(
        self,
        users: UserRepository,
        sessions: SessionRepository,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._users = users
        self._sessions = sessions
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: UpdateUserCommand) -> User:
        require_admin(cmd.requester, "changing users needs the admin role")
        errors = FieldErrors()
        role = None if cmd.role is None else errors.check("role", Role.parse, cmd.role)
        if cmd.role is None and cmd.disabled is None:
            errors.add("role", "give role or disabled (or both)")
        errors.raise_if_any()
        before = await self._users.get(cmd.user_id)
        if before is None:
            raise NotFound(f"no user with id {cmd.user_id}")
        after = replace(
            before,
            role=before.role if role is None else role,
            disabled=before.disabled if cmd.disabled is None else cmd.disabled,
        )
        if after == before:
            return before
        if before.is_active_admin and not after.is_active_admin:
            ensure_an_admin_remains(before, after, await self._users.lock_active_admins())
        await self._users.update(after)
        ended = 0
        if after.disabled and not before.disabled:
            ended = await self._sessions.revoke_all(after.id, self._clock.now())
        await self._tx.commit()
        log.info(
            "user changed",
            extra={
                "actor_id": str(cmd.requester.id),
                "actor": cmd.requester.username.value,
                "user_id": str(after.id),
                "user": after.username.value,
                "role": f"{before.role.value}->{after.role.value}",
                "disabled": f"{before.disabled}->{after.disabled}",
                "sessions_ended": ended,
            },
        )
        return after
