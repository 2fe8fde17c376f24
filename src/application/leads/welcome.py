"""The welcome email of a new lead: the `lead.welcome` template of the templates
capability (its email part, in the lead's locale), else the built-in wording, sent
`welcome_delay` after intake as a notification of the delivery engine (a timed send)."""

from datetime import datetime

from application.leads.config import LeadRules
from application.ports.leads import WelcomeEmails
from application.ports.notifications import NewNotification, SchedulerWakeup
from application.ports.templates import TemplateRenderer
from application.templates.render_template import (
    RecipientFields,
    RenderTemplate,
    RenderTemplateCommand,
)
from domain.errors import NotFound
from domain.ids import new_id
from domain.leads import Lead
from domain.notifications import Notification, Status
from domain.preferences import Channel
from domain.recipients import Recipient

TEMPLATE_KEY = "lead.welcome"
DEFAULT_SUBJECT = "Welcome, {{ name }}"
DEFAULT_TEXT = (
    "Hi {{ name }},\n\nthanks for getting in touch with us. We have your details and "
    "will be back to you shortly.\n"
)
SOMEONE = "there"  # the name of a lead who gave none: "Welcome, there"


class LeadWelcome:
    """Schedules a lead's welcome email, once per lead ever (`Lead.welcomed`), and only
    for a lead with an email. The template's variable is `name` (the lead's name, or
    "there"); its recipient fields are the lead's."""

    def __init__(
        self,
        render: RenderTemplate,
        renderer: TemplateRenderer,
        emails: WelcomeEmails,
        wakeup: SchedulerWakeup,
        rules: LeadRules,
    ) -> None:
        self._render = render
        self._renderer = renderer
        self._emails = emails
        self._wakeup = wakeup
        self._rules = rules
        self._due: list[datetime] = []

    async def schedule(self, lead: Lead, recipient: Recipient, now: datetime) -> Lead:
        """The lead, marked welcomed, with its welcome stored in the caller's unit of
        work; the lead as it was when it has been welcomed or has no email. The caller
        commits, then calls `wake`."""
        if lead.welcomed or lead.email is None:
            return lead
        variables = {"name": lead.name or SOMEONE}
        locale = recipient.contact.locale
        fields = RecipientFields(
            name=lead.name,
            email=lead.email,
            phone=lead.phone,
            locale=None if locale is None else str(locale),
            external_id=str(recipient.external_id),
        )
        try:
            done = await self._render(
                RenderTemplateCommand(TEMPLATE_KEY, "email", variables, fields)
            )
            subject, text, html = done.subject, done.text, done.html
        except NotFound:  # no template stored: the built-in wording
            subject = self._renderer.render(DEFAULT_SUBJECT, variables, html=False)
            text = self._renderer.render(DEFAULT_TEXT, variables, html=False)
            html = None
        due = now + self._rules.welcome_delay
        n = Notification(
            id=new_id(),
            user_id=recipient.user_id,
            created_by=None,
            channel=Channel.EMAIL,
            to=lead.email,
            title=subject,
            text=text,
            sendtime=due,
            due_at=due,
            status=Status.SCHEDULED,
            created_at=now,
            updated_at=now,
            recipient_id=recipient.id,
            html=html,
        )
        await self._emails.add([NewNotification(n, f"the welcome email of lead {lead.id}")])
        self._due.append(due)
        return lead.welcome_sent(n.id)

    async def wake(self) -> None:
        """After the commit: tell the dispatcher when the earliest welcome is due."""
        if self._due:
            await self._wakeup.notify(min(self._due))
            self._due.clear()
