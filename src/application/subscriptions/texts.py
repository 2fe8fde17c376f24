"""What Herald texts a subscribed phone, and how: each text a template of the templates
capability (`subscriptions.<kind>`, overridable per locale), else the built-in CTIA
wording; each sent as a notification of the delivery engine (status, retries, history)
and kept in the subscription's conversation."""

from datetime import datetime
from uuid import UUID

from application.ports.notifications import NewNotification, SchedulerWakeup
from application.ports.subscriptions import OutboundTexts, SubscriptionRepository
from application.ports.templates import TemplateRenderer
from application.ports.transactions import TransactionManager
from application.subscriptions.config import SubscriptionRules
from application.templates.render_template import (
    RecipientFields,
    RenderTemplate,
    RenderTemplateCommand,
)
from domain.errors import NotFound
from domain.ids import new_id
from domain.notifications import Notification, Status
from domain.preferences import Channel
from domain.recipients import Recipient
from domain.subscriptions import ConversationMessage, Direction, MessageKind, Subscription

_FOOTER = "Msg&data rates may apply."
DEFAULT_TEXTS: dict[MessageKind, str] = {
    MessageKind.CONFIRMATION: (
        "{{ program }}: confirm your subscription to updates ({{ frequency }}). "
        f"{_FOOTER} Reply YES to confirm, HELP for help, STOP to cancel."
    ),
    MessageKind.HELP: (
        "{{ program }}: updates, {{ frequency }}. Help: {{ contact }}. "
        f"{_FOOTER} Reply STOP to cancel."
    ),
    MessageKind.UNSUBSCRIBED: (
        "{{ program }}: You will get no more messages. Reply START to resubscribe."
    ),
    MessageKind.CONFIRMED: (
        "{{ program }}: you are subscribed ({{ frequency }}). "
        f"{_FOOTER} Reply HELP for help, STOP to cancel."
    ),
    MessageKind.DECLINED: (
        "{{ program }}: you will not be subscribed. Reply START if you change your mind."
    ),
    MessageKind.REPROMPT: ("{{ program }}: sorry, we did not understand. {{ choices }}"),
    MessageKind.UPDATE: "{{ program }}: update {{ number }} of {{ count }}.",
}


def template_key(kind: MessageKind) -> str:
    return f"subscriptions.{kind.value}"


class SubscriptionTexts:
    """Renders the texts of a conversation and keeps them, with the phone's own messages,
    until the unit of work commits: `commit` writes them in one statement per table, in
    the order they were made, commits, then wakes the dispatcher. (Written one by one, a
    confirmed subscription's three texts and the reply that confirmed it were ten
    statements; each costs the worker more CPU than the SQL does the server.) A stored
    template `subscriptions.<kind>` wins, in the recipient's locale; its variables are
    `program`, `frequency`, `contact`, `choices`, `number` and `count`.

    Texts not yet committed are not in `SubscriptionRepository.messages`: a unit of work
    reads the conversation before it adds to it."""

    def __init__(
        self,
        render: RenderTemplate,
        renderer: TemplateRenderer,
        outbound: OutboundTexts,
        subscriptions: SubscriptionRepository,
        wakeup: SchedulerWakeup,
        rules: SubscriptionRules,
        tx: TransactionManager,
    ) -> None:
        self._render = render
        self._renderer = renderer
        self._outbound = outbound
        self._subscriptions = subscriptions
        self._wakeup = wakeup
        self._rules = rules
        self._tx = tx
        self._texts: list[NewNotification] = []
        self._conversation: list[ConversationMessage] = []

    def keep(self, message: ConversationMessage) -> None:
        """A message of the conversation that is not a text of Herald's (the phone's)."""
        self._conversation.append(message)

    async def send(
        self,
        subscription: Subscription,
        recipient: Recipient | None,
        kind: MessageKind,
        now: datetime,
        *,
        due: datetime | None = None,
        created_by: UUID | None = None,
        data: dict[str, object] | None = None,
    ) -> None:
        """The text as a notification due at `due` (default now), in the subscription's
        conversation."""
        body = await self._text(kind, recipient, data or {})
        at = due or now
        n = self._notification(
            subscription.phone, recipient, kind, body, at, now, created_by, subscription.id
        )
        self.keep(
            ConversationMessage(
                subscription.id, Direction.OUTBOUND, body, at, kind=kind, notification_id=n.id
            )
        )

    async def answer(
        self, phone: str, recipient: Recipient | None, kind: MessageKind, now: datetime
    ) -> None:
        """A text to a phone without a subscription (the answer to HELP or STOP)."""
        body = await self._text(kind, recipient, {})
        self._notification(phone, recipient, kind, body, now, now, None, None)

    async def commit(self) -> None:
        """Write what the unit of work made, commit it, then tell the dispatcher when the
        earliest text is due."""
        await self._outbound.add(self._texts)
        await self._subscriptions.add_messages(self._conversation)
        await self._tx.commit()
        due = [item.notification.due_at for item in self._texts]
        self._texts, self._conversation = [], []
        if due:
            await self._wakeup.notify(min(due))

    def _notification(
        self,
        phone: str,
        recipient: Recipient | None,
        kind: MessageKind,
        body: str,
        at: datetime,
        now: datetime,
        created_by: UUID | None,
        subscription_id: UUID | None,
    ) -> Notification:
        n = Notification(
            id=new_id(),
            user_id=None if recipient is None else recipient.user_id,
            created_by=created_by,
            channel=Channel.SMS,
            to=phone,
            title=None,
            text=body,
            sendtime=at,
            due_at=at,
            status=Status.SCHEDULED,
            created_at=now,
            updated_at=now,
            recipient_id=None if recipient is None else recipient.id,
        )
        about = "" if subscription_id is None else f" of subscription {subscription_id}"
        self._texts.append(NewNotification(n, f"the {kind.value} text{about}"))
        return n

    async def _text(
        self, kind: MessageKind, recipient: Recipient | None, data: dict[str, object]
    ) -> str:
        variables: dict[str, object] = {
            "program": self._rules.program,
            "frequency": self._rules.frequency,
            "contact": self._rules.help_contact,
            **data,
        }
        locale = None
        if recipient is not None and recipient.contact.locale is not None:
            locale = str(recipient.contact.locale)
        fields = RecipientFields(locale=locale)
        try:
            command = RenderTemplateCommand(template_key(kind), "sms", variables, fields)
            return (await self._render(command)).text
        except NotFound:  # no template stored: the built-in wording
            return self._renderer.render(DEFAULT_TEXTS[kind], variables, html=False)
