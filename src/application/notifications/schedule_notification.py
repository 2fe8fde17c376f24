import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from uuid import UUID

from application.notifications.config import ChannelSwitch
from application.policy import (
    Caller,
    caller_id,
    require_may_notify,
    require_notify_recipient,
    require_user,
    user_of,
)
from application.ports.accounts import UserRepository
from application.ports.clock import Clock
from application.ports.notifications import (
    IdempotencyKeys,
    IdempotencyRecord,
    NewNotification,
    NotificationIntake,
    NotificationRepository,
    SchedulerWakeup,
)
from application.ports.recipients import RecipientReader
from application.templates.render_template import (
    RecipientFields,
    Rendered,
    RenderTemplate,
    RenderTemplateCommand,
)
from domain.errors import Conflict, FieldError, FieldErrors, InvalidInput, NotFound
from domain.ids import new_id
from domain.notifications import (
    Notification,
    Status,
    check_text,
    check_title,
    deferred_detail,
    idempotency_key,
    parse_sendtime,
)
from domain.preferences import Channel
from domain.recipients import ExternalId, Recipient
from domain.templates import KEY_MAX as TEMPLATE_KEY_MAX

Skip = tuple[Channel, str]  # a channel left out, and why


@dataclass(frozen=True, slots=True)
class ScheduleNotificationCommand:
    requester: Caller
    text: str | None = None
    title: str | None = None
    sendtime: str | None = None
    channel: str | None = None
    user_id: UUID | None = None
    idempotency_key: str | None = None
    recipient: str | None = None  # an external id
    channels: tuple[str, ...] | None = None
    urgent: bool = False
    template: str | None = None
    data: Mapping[str, object] = field(default_factory=dict)

    def body_hash(self) -> str:
        body: list[object] = [self.title, self.text, self.sendtime, self.channel, str(self.user_id)]
        more = [self.recipient, self.channels, self.urgent, self.template, dict(self.data)]
        if more != [None, None, False, None, {}]:  # a body of the old fields hashes as before
            body += more
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ScheduledNotification:
    """What one POST made: a notification per channel, tied by `group_id`, and the
    channels it skipped."""

    group_id: UUID
    items: list[Notification]
    skipped: tuple[Skip, ...]
    replayed: bool  # True when an Idempotency-Key returned an earlier result

    @property
    def notification(self) -> Notification:
        """The first of the group (the only one of a single channel)."""
        return self.items[0]


class ScheduleNotification:
    """Create the notifications of one request, sent now or at `sendtime`.

    Who: the caller themselves (default), another user by `user_id` (admins), or a
    recipient by its external id (`recipient`: admins, and API keys with
    notifications:write; a key must name one). Channels: those named (`channels`, or the
    single `channel`), else every channel, of which those the recipient has off are
    skipped. A channel the operator turned off, without an address, or an SMS number
    that opted out is skipped too; each skip is reported, and with none left the request
    is refused with every reason. One notification per channel, one group.

    Content: `text` (and `title`), or a `template` with `data` rendered now per channel
    in the recipient's locale, so what is scheduled is what is sent; render errors are
    refused at once. `sendtime` is ISO 8601 with an offset; missing or past means now.
    Inside the recipient's quiet hours the notifications wait for their end, unless
    `urgent`; their history says so. The rows are written in one transaction with the
    idempotency record (NotificationIntake: the request's only write): an
    Idempotency-Key with the same body returns the first group, with another body it is
    a Conflict. The scheduler is woken once they are stored.
    """

    def __init__(
        self,
        intake: NotificationIntake,
        notifications: NotificationRepository,
        keys: IdempotencyKeys,
        recipients: RecipientReader,
        users: UserRepository,
        render: RenderTemplate,
        wakeup: SchedulerWakeup,
        clock: Clock,
        channels: ChannelSwitch,
    ) -> None:
        self._intake = intake
        self._notifications = notifications
        self._keys = keys
        self._recipients = recipients
        self._users = users
        self._render = render
        self._wakeup = wakeup
        self._channels = channels
        self._clock = clock

    async def __call__(self, cmd: ScheduleNotificationCommand) -> ScheduledNotification:
        now = self._clock.now()
        errors = FieldErrors()
        title = errors.check("title", check_title, cmd.title)
        text: str | None = None
        if cmd.template is None:
            text = errors.check("text", check_text, cmd.text or "")
        elif cmd.text is not None or cmd.title is not None:
            errors.add("template", "give either template (with data) or title and text")
        elif not 1 <= len(cmd.template) <= TEMPLATE_KEY_MAX:
            errors.add("template", f"must be 1 to {TEMPLATE_KEY_MAX} characters")
        due = errors.check("sendtime", parse_sendtime, cmd.sendtime, now)
        wanted = _wanted_channels(cmd, errors)
        external_id = None
        if cmd.recipient is not None:
            external_id = errors.check("recipient", ExternalId, cmd.recipient)
            if cmd.user_id is not None:
                errors.add("recipient", "give either recipient or user_id")
        key = cmd.idempotency_key
        if key is not None:
            errors.check("Idempotency-Key", idempotency_key, key)
        errors.raise_if_any()

        caller = caller_id(cmd.requester)
        requester = user_of(cmd.requester)
        if key is not None and (replay := await self._replay(cmd, caller, key)) is not None:
            return replay
        recipient, own = await self._target(cmd, external_id)
        chosen, skipped = _choose(recipient, wanted, self._channels, own=own)
        if not chosen:
            where = "channel" if cmd.channel is not None else "channels"
            raise InvalidInput(*(FieldError(where, f"{c}: {why}") for c, why in skipped))
        assert recipient is not None  # a channel was chosen, so there is a recipient
        group_id = new_id()
        deferral = None
        quiet, tz = recipient.contact.quiet_hours, recipient.contact.timezone
        if not cmd.urgent and quiet is not None and tz is not None:
            deferral = quiet.deferral(due, tz)
        items: list[NewNotification] = []
        for channel, to in chosen:
            subject, body, html = title, text, None
            if cmd.template is not None:
                rendered = await self._rendered(cmd, recipient, channel)
                subject, body, html = rendered.subject, rendered.text, rendered.html
            assert body is not None  # checked above, or rendered
            first = not items  # its id is the group's, so it needs no group_id
            n = Notification(
                id=group_id if first else new_id(),
                user_id=recipient.user_id,
                created_by=None if requester is None else requester.id,
                channel=channel,
                to=to,
                title=subject,
                text=body,
                sendtime=due,
                due_at=deferral or due,
                status=Status.SCHEDULED,
                created_at=now,
                updated_at=now,
                recipient_id=recipient.id,
                group_id=None if first else group_id,
                html=html,
            )
            detail = None
            if deferral is not None:
                detail = deferred_detail(due, recipient.contact.quiet_hours, deferral)
            items.append(NewNotification(n, detail))
        record = None
        if key is not None:
            record = IdempotencyRecord(caller, key, cmd.body_hash(), group_id, now, tuple(skipped))
        try:
            await self._intake.add(items, record)
        except Conflict:  # a concurrent request with this key was stored first
            if key is not None and (replay := await self._replay(cmd, caller, key)) is not None:
                return replay
            raise
        await self._wakeup.notify(deferral or due)
        made = [item.notification for item in items]
        return ScheduledNotification(group_id, made, tuple(skipped), replayed=False)

    async def _rendered(
        self, cmd: ScheduleNotificationCommand, recipient: Recipient, channel: Channel
    ) -> Rendered:
        assert cmd.template is not None
        c = recipient.contact
        fields = RecipientFields(
            name=c.name,
            email=None if c.email is None else str(c.email),
            phone=None if c.phone is None else str(c.phone),
            locale=None if c.locale is None else str(c.locale),
            external_id=str(recipient.external_id),
        )
        command = RenderTemplateCommand(cmd.template, channel.value, cmd.data, fields)
        try:
            return await self._render(command)
        except NotFound as missing:
            raise InvalidInput.field("template", str(missing)) from None
        except InvalidInput as bad:  # named as the request names them
            raise InvalidInput(
                *(replace(e, field=_render_field(e.field, channel)) for e in bad.errors)
            ) from None

    async def _replay(
        self, cmd: ScheduleNotificationCommand, caller_id: UUID, key: str
    ) -> ScheduledNotification | None:
        record = await self._keys.get(caller_id, key)
        if record is None:
            return None
        if record.body_hash != cmd.body_hash():
            raise Conflict("this Idempotency-Key was used with a different request body")
        first = await self._notifications.get(record.notification_id)
        if first is None:
            raise Conflict("this Idempotency-Key belongs to a notification that no longer exists")
        items = await self._notifications.group(first.group)
        return ScheduledNotification(first.group, items, record.skipped, replayed=True)

    async def _target(
        self, cmd: ScheduleNotificationCommand, external_id: ExternalId | None
    ) -> tuple[Recipient | None, bool]:
        """The recipient asked for (None for a user who has none: nothing to send to),
        and whether it is the caller's own."""
        if external_id is not None:
            require_notify_recipient(cmd.requester)
            found = await self._recipients.get(external_id)
            if found is None:
                raise NotFound(f"no recipient with external id {str(external_id)!r}")
            return found, False
        if user_of(cmd.requester) is None and cmd.user_id is None:
            raise InvalidInput.field("recipient", "an API key must name the recipient")
        requester = require_user(cmd.requester)
        target = requester.id
        if cmd.user_id is not None and cmd.user_id != requester.id:
            require_may_notify(requester, cmd.user_id)
            user = await self._users.get(cmd.user_id)
            if user is None:
                raise NotFound(f"no user with id {cmd.user_id}")
            target = user.id
        return await self._recipients.get_by_user(target), target == requester.id


def _render_field(name: str, channel: Channel) -> str:
    """A render error's field in the request's terms: `data.<name>` and
    `recipient.<name>` stay, the rest is the template's part for the channel."""
    if name.startswith(("data", "recipient.")):
        return name
    if name == "key":
        return "template"
    return f"template.{channel.value}" if name == "channel" else f"template.{name}"


def _wanted_channels(
    cmd: ScheduleNotificationCommand, errors: FieldErrors
) -> tuple[list[Channel], bool]:
    """The channels asked for, and whether they were named (else: every channel)."""
    if cmd.channel is not None and cmd.channels is not None:
        errors.add("channels", "give either channel or channels")
        return [], True
    if cmd.channel is not None:
        one = errors.check("channel", Channel.parse, cmd.channel)
        return ([one] if one is not None else []), True
    if cmd.channels is None:
        return list(Channel), False
    named: list[Channel] = []
    if not cmd.channels:
        errors.add("channels", "must name at least one channel")
    for i, raw in enumerate(cmd.channels):
        parsed = errors.check(f"channels[{i}]", Channel.parse, raw)
        if parsed is not None and parsed not in named:
            named.append(parsed)
    return named, True


def _choose(
    recipient: Recipient | None,
    wanted: tuple[list[Channel], bool],
    switch: ChannelSwitch,
    *,
    own: bool,
) -> tuple[list[tuple[Channel, str]], list[Skip]]:
    """The (channel, address) pairs to send to, and the channels skipped with why. A
    channel named by the caller is sent even if the recipient has it off, as `channel`
    always overrode the preference."""
    channels, named = wanted
    whose = "your" if own else "the recipient's"
    chosen: list[tuple[Channel, str]] = []
    skipped: list[Skip] = []
    for channel in channels:
        contact = None if recipient is None else recipient.contact
        on = contact is not None and getattr(contact.channels, channel.value)
        address = None
        if contact is not None:
            address = contact.phone if channel is Channel.SMS else contact.email
        field_name = "phone" if channel is Channel.SMS else "email"
        if channel in switch.off:
            why = f"{channel} notifications are turned off on this server (no provider)"
        elif not named and not on:
            why = f"{whose} {channel} channel is off: turn it on, or name the channel"
        elif address is None:
            why = f"{whose} {field_name} is not set"
        elif channel is Channel.SMS and recipient is not None and recipient.sms_opted_out:
            why = f"{whose} phone {address} opted out of SMS (replied STOP)"
        else:
            chosen.append((channel, str(address)))
            continue
        skipped.append((channel, why))
    return chosen, skipped
