import hashlib
import json
from dataclasses import dataclass
from uuid import UUID

from application.notifications.config import ChannelSwitch
from application.policy import require_may_notify
from application.ports.accounts import UserRepository
from application.ports.clock import Clock
from application.ports.notifications import (
    IdempotencyKeys,
    IdempotencyRecord,
    NotificationRepository,
    SchedulerWakeup,
)
from application.ports.preferences import ContactPreferenceRepository
from application.ports.transactions import TransactionManager
from domain.accounts import User
from domain.errors import Conflict, FieldErrors, InvalidInput, NotFound
from domain.ids import new_id
from domain.notifications import Notification, Status, check_text, check_title, parse_sendtime
from domain.preferences import Channel, ContactPreferences

IDEMPOTENCY_KEY_MAX = 255


@dataclass(frozen=True, slots=True)
class ScheduleNotificationCommand:
    requester: User
    text: str
    title: str | None = None
    sendtime: str | None = None
    channel: str | None = None
    user_id: UUID | None = None
    idempotency_key: str | None = None

    def body_hash(self) -> str:
        body = [self.title, self.text, self.sendtime, self.channel, str(self.user_id)]
        return hashlib.sha256(json.dumps(body).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ScheduledNotification:
    notification: Notification
    replayed: bool  # True when an Idempotency-Key returned an earlier result


class ScheduleNotification:
    """Create a notification to be sent now or at `sendtime`.

    Rules: `sendtime` is ISO 8601 with an offset; missing or past means now. The channel
    is the recipient's preference unless given; `none`, a missing address, an SMS number
    that opted out, or a channel the operator turned off is refused with what to set.
    Only an admin may notify another user (`user_id`). The notification row is the
    schedule (status scheduled, due_at), written in one transaction with the idempotency
    record, so nothing is lost or orphaned. An Idempotency-Key with the same body returns
    the first notification; with another body it is a Conflict. The scheduler is woken
    after the commit.
    """

    def __init__(
        self,
        notifications: NotificationRepository,
        keys: IdempotencyKeys,
        prefs: ContactPreferenceRepository,
        users: UserRepository,
        wakeup: SchedulerWakeup,
        clock: Clock,
        tx: TransactionManager,
        channels: ChannelSwitch,
    ) -> None:
        self._notifications = notifications
        self._keys = keys
        self._prefs = prefs
        self._users = users
        self._wakeup = wakeup
        self._channels = channels
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: ScheduleNotificationCommand) -> ScheduledNotification:
        now = self._clock.now()
        errors = FieldErrors()
        title = errors.check("title", check_title, cmd.title)
        text = errors.check("text", check_text, cmd.text)
        due = errors.check("sendtime", parse_sendtime, cmd.sendtime, now)
        channel = (
            None if cmd.channel is None else errors.check("channel", Channel.parse, cmd.channel)
        )
        key = cmd.idempotency_key
        if key is not None and not (
            1 <= len(key) <= IDEMPOTENCY_KEY_MAX and key.isprintable() and key.isascii()
        ):
            errors.add(
                "Idempotency-Key",
                f"must be 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII characters",
            )
        errors.raise_if_any()

        if key is not None and (replay := await self._replay(cmd, key)) is not None:
            return replay
        target = await self._target(cmd)
        prefs = await self._prefs.get(target) or ContactPreferences.default(target, now)
        channel, to = _address(prefs, channel, self._channels, own=target == cmd.requester.id)
        notification = Notification(
            id=new_id(),
            user_id=target,
            created_by=cmd.requester.id,
            channel=channel,
            to=to,
            title=title,
            text=text,
            sendtime=due,
            due_at=due,
            status=Status.SCHEDULED,
            created_at=now,
            updated_at=now,
        )
        await self._notifications.add(notification)
        if key is not None:
            record = IdempotencyRecord(cmd.requester.id, key, cmd.body_hash(), notification.id, now)
            try:
                await self._keys.add(record)
            except Conflict:  # a concurrent request with this key committed first
                await self._tx.rollback()
                if (replay := await self._replay(cmd, key)) is not None:
                    return replay
                raise
        await self._tx.commit()
        await self._wakeup.notify(due)
        return ScheduledNotification(notification, replayed=False)

    async def _replay(
        self, cmd: ScheduleNotificationCommand, key: str
    ) -> ScheduledNotification | None:
        record = await self._keys.get(cmd.requester.id, key)
        if record is None:
            return None
        if record.body_hash != cmd.body_hash():
            raise Conflict("this Idempotency-Key was used with a different request body")
        first = await self._notifications.get(record.notification_id)
        if first is None:
            raise Conflict("this Idempotency-Key belongs to a notification that no longer exists")
        return ScheduledNotification(first, replayed=True)

    async def _target(self, cmd: ScheduleNotificationCommand) -> UUID:
        if cmd.user_id is None or cmd.user_id == cmd.requester.id:
            return cmd.requester.id
        require_may_notify(cmd.requester, cmd.user_id)
        user = await self._users.get(cmd.user_id)
        if user is None:
            raise NotFound(f"no user with id {cmd.user_id}")
        return user.id


def _address(
    prefs: ContactPreferences, channel: Channel | None, channels: ChannelSwitch, *, own: bool
) -> tuple[Channel, str]:
    whose = "your" if own else "the user's"
    chosen = channel or prefs.notify_pref.channel
    if chosen is None:
        raise InvalidInput.field(
            "channel",
            f"{whose} notify_pref is 'none': set notify_pref to 'email' or 'sms' with "
            "PATCH /preferences, or pass channel",
        )
    if chosen in channels.off:
        raise InvalidInput.field(
            "channel", f"{chosen} notifications are turned off on this server; use another channel"
        )
    to = prefs.address_for(chosen)
    if to is None:
        field = "phone" if chosen is Channel.SMS else "email"
        raise InvalidInput.field(
            "channel", f"{whose} {field} is not set: set it with PATCH /preferences to use {chosen}"
        )
    if chosen is Channel.SMS and prefs.sms_opted_out:
        raise InvalidInput.field(
            "channel",
            f"{whose} phone {to} opted out of SMS (replied STOP); use email or set another phone",
        )
    return chosen, to
