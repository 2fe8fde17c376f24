"""What each subscriber of a fan-out gets on a channel: the text as given, or the
template rendered for them. A render that reads nothing of the recipient but its locale
is made once per channel and locale and reused for everyone who shares them."""

from application.templates.render_template import (
    RecipientFields,
    RenderTemplate,
    RenderTemplateCommand,
)
from domain.errors import InvalidInput, NotFound
from domain.fanouts import Content, Member, Message
from domain.preferences import Channel


class Contents:
    def __init__(self, message: Message, render: RenderTemplate) -> None:
        self._message = message
        self._render = render
        self._shared: dict[tuple[Channel, str | None], Content] = {}
        if message.template is None:
            assert message.text is not None
            self._text = Content(message.title, message.text)

    async def of(self, member: Member, channel: Channel) -> Content | None:
        """The content for `member` on `channel`; None when it cannot be rendered for
        them (a field the template reads that they lack; the template gone)."""
        if self._message.template is None:
            return self._text
        shared = self._shared.get((channel, member.locale))
        if shared is not None:
            return shared
        fields = RecipientFields(
            name=member.name,
            email=member.email,
            phone=member.phone,
            locale=member.locale,
            external_id=member.external_id,
        )
        command = RenderTemplateCommand(
            self._message.template, channel.value, self._message.data, fields
        )
        try:
            rendered = await self._render(command)
        except (InvalidInput, NotFound):
            return None
        content = Content(rendered.subject, rendered.text, rendered.html)
        if not rendered.personal:
            self._shared[(channel, member.locale)] = content
        return content
