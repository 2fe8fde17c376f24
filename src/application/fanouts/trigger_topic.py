import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

from application.fanouts.config import FanoutConfig
from application.notifications.config import ChannelSwitch
from application.policy import Caller, caller_id, require_scope, user_of
from application.ports.clock import Clock
from application.ports.fanouts import FanoutRepository, TriggerKey
from application.ports.templates import TemplateReader
from application.ports.topics import TopicRepository
from application.ports.transactions import TransactionManager
from application.templates.find import find_template
from application.templates.render_template import (
    RecipientFields,
    RenderTemplate,
    RenderTemplateCommand,
)
from application.topics.find import find_topic
from domain.api_keys import Scope
from domain.errors import Conflict, FieldErrors, InvalidInput, NotFound
from domain.fanouts import EXCLUDE_MAX, Fanout, FanoutStatus, Message
from domain.ids import new_id
from domain.notifications import check_text, check_title, idempotency_key, parse_sendtime
from domain.preferences import Channel
from domain.recipients import ExternalId
from domain.templates import KEY_MAX as TEMPLATE_KEY_MAX

# What the trigger's check renders a template for: every field set, so that only what
# `data` lacks is refused; what a real recipient lacks is counted when they are reached.
_SAMPLE = RecipientFields(
    name="Sample Recipient",
    email="sample@example.com",
    phone="+15005550006",
    external_id="sample",
)


@dataclass(frozen=True, slots=True)
class TriggerTopicCommand:
    requester: Caller
    key: str
    template: str | None = None
    data: Mapping[str, object] = field(default_factory=dict)
    title: str | None = None
    text: str | None = None
    sendtime: str | None = None
    channels: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    urgent: bool = False
    idempotency_key: str | None = None

    def body_hash(self) -> str:
        body = [
            self.key,
            self.template,
            dict(self.data),
            self.title,
            self.text,
            self.sendtime,
            self.channels,
            sorted(set(self.exclude)),
            self.urgent,
        ]
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Triggered:
    fanout: Fanout
    replayed: bool  # an Idempotency-Key returned an earlier trigger


class TriggerTopic:
    """Notify every subscriber of a topic with one call; the expansion runs as tasks.

    Who: admins and API keys with notifications:write. The topic must exist (NotFound).
    Content: `text` (and `title`), or a `template` with `data`: the template must exist,
    every variable it reads must be in `data` and `data` may hold nothing the template
    does not declare (a typo would reach every subscriber); what a recipient lacks is
    found when they are reached, and counted as unrenderable. Channels considered: those
    named in `channels`, else every channel; a named one the server has off or the
    template has no part for is refused, an unnamed one left out. `exclude`: up to
    1,000 external ids left out. `sendtime` as for a notification; `urgent` ignores
    quiet hours.
    The subscribers are those subscribed now; their number (the excluded left out) is
    answered at once. With none, the fan-out is stored expanded: never a silent
    nothing. Otherwise it is stored with its parts leased, for the caller to queue
    (`QueueExpansion`, which the API runs after its answer); a part never queued is
    queued by the recovery sweep when its lease runs out. An Idempotency-Key with the
    same body returns the first fan-out (queued already), with another body it is a
    Conflict.
    """

    def __init__(
        self,
        fanouts: FanoutRepository,
        topics: TopicRepository,
        templates: TemplateReader,
        render: RenderTemplate,
        clock: Clock,
        tx: TransactionManager,
        switch: ChannelSwitch,
        config: FanoutConfig,
    ) -> None:
        self._fanouts = fanouts
        self._topics = topics
        self._templates = templates
        self._render = render
        self._clock = clock
        self._tx = tx
        self._switch = switch
        self._config = config

    async def __call__(self, cmd: TriggerTopicCommand) -> Triggered:
        require_scope(cmd.requester, Scope.NOTIFICATIONS_WRITE)
        now = self._clock.now()
        errors = FieldErrors()
        message = _message(cmd, errors)
        due = errors.check("sendtime", parse_sendtime, cmd.sendtime, now)
        named = _named_channels(cmd.channels, errors)
        exclude = _exclude(cmd.exclude, errors)
        if cmd.idempotency_key is not None:
            errors.check("Idempotency-Key", idempotency_key, cmd.idempotency_key)
        errors.raise_if_any()

        caller = caller_id(cmd.requester)
        if cmd.idempotency_key is not None:
            replay = await self._replay(cmd, caller, cmd.idempotency_key)
            if replay is not None:
                return replay
        topic = await find_topic(self._topics, cmd.key)
        channels = await self._channels(message, named)
        subscribers = await self._fanouts.audience(topic.key, exclude)
        requester = user_of(cmd.requester)
        fanout = Fanout(
            id=new_id(),
            topic=topic.key,
            status=FanoutStatus.EXPANDING if subscribers else FanoutStatus.EXPANDED,
            message=message,
            sendtime=due,
            channels=channels,
            exclude=exclude,
            urgent=cmd.urgent,
            caller=caller,
            created_by=None if requester is None else requester.id,
            subscribers=subscribers,
            parts=self._config.parts_for(subscribers),
            created_at=now,
            updated_at=now,
        )
        key = None
        if cmd.idempotency_key is not None:
            key = TriggerKey(cmd.idempotency_key, cmd.body_hash())
        try:
            await self._fanouts.add(fanout, key, now + self._config.lease)
            await self._tx.commit()
        except Conflict:  # a concurrent trigger with this key was stored first
            await self._tx.rollback()
            if cmd.idempotency_key is not None:
                replay = await self._replay(cmd, caller, cmd.idempotency_key)
                if replay is not None:
                    return replay
            raise
        return Triggered(fanout, replayed=False)

    async def _replay(self, cmd: TriggerTopicCommand, caller: UUID, key: str) -> Triggered | None:
        found = await self._fanouts.find_by_key(caller, key)
        if found is None:
            return None
        fanout, body_hash = found
        if body_hash != cmd.body_hash():
            raise Conflict("this Idempotency-Key was used with a different request body")
        return Triggered(fanout, replayed=True)

    async def _channels(
        self, message: Message, named: tuple[Channel, ...] | None
    ) -> tuple[Channel, ...]:
        """The channels every subscriber is considered on; a template checked on each."""
        errors = FieldErrors()
        where = "channels" if named is not None else "template"
        wanted = named or tuple(Channel)
        for channel in wanted:
            if channel in self._switch.off and named is not None:
                errors.add("channels", f"{channel} notifications are turned off on this server")
        errors.raise_if_any()
        usable = tuple(c for c in wanted if c not in self._switch.off)
        if message.template is not None:
            usable = await self._check_template(message, usable, named is not None)
        if not usable:
            raise InvalidInput.field(where, "no channel is left to notify on")
        return usable

    async def _check_template(
        self, message: Message, channels: tuple[Channel, ...], named: bool
    ) -> tuple[Channel, ...]:
        assert message.template is not None
        try:
            template = await find_template(self._templates, message.template)
        except NotFound as missing:
            raise InvalidInput.field("template", str(missing)) from None
        errors = FieldErrors()
        for name in sorted(set(message.data) - set(template.variables)):
            declared = ", ".join(template.variables) or "none"
            errors.add(
                f"data.{name}", f"the template declares no such variable (it declares: {declared})"
            )
        usable: list[Channel] = []
        for channel in channels:
            command = RenderTemplateCommand(template.key, channel.value, message.data, _SAMPLE)
            try:
                await self._render(command)
            except InvalidInput as bad:
                for e in bad.errors:
                    if e.field != "channel":
                        errors.add(e.field if e.field.startswith("data") else "template", e.message)
                    elif named:
                        errors.add("channels", e.message)
                continue
            usable.append(channel)
        errors.raise_if_any()
        return tuple(usable)


def _message(cmd: TriggerTopicCommand, errors: FieldErrors) -> Message:
    if cmd.template is None:
        title = errors.check("title", check_title, cmd.title)
        text = errors.check("text", check_text, cmd.text or "")
        return Message(title=title, text=text)
    if cmd.text is not None or cmd.title is not None:
        errors.add("template", "give either template (with data) or title and text")
    elif not 1 <= len(cmd.template) <= TEMPLATE_KEY_MAX:
        errors.add("template", f"must be 1 to {TEMPLATE_KEY_MAX} characters")
    return Message(template=cmd.template, data=dict(cmd.data))


def _named_channels(raw: tuple[str, ...] | None, errors: FieldErrors) -> tuple[Channel, ...] | None:
    if raw is None:
        return None
    if not raw:
        errors.add("channels", "must name at least one channel; leave it out for every channel")
    named: list[Channel] = []
    for i, value in enumerate(raw):
        channel = errors.check(f"channels[{i}]", Channel.parse, value)
        if channel is not None and channel not in named:
            named.append(channel)
    return tuple(c for c in Channel if c in named)


def _exclude(raw: tuple[str, ...], errors: FieldErrors) -> tuple[str, ...]:
    if len(raw) > EXCLUDE_MAX:
        errors.add("exclude", f"must hold at most {EXCLUDE_MAX} external ids")
        return ()
    for i, external_id in enumerate(raw):
        errors.check(f"exclude[{i}]", ExternalId, external_id)
    return tuple(dict.fromkeys(raw))
