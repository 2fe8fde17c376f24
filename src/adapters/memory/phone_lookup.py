"""Phone lookups without a provider: the format check alone (the default), and a scripted
fake for tests that answers per number as Twilio Lookup would."""

from application.ports.phone_lookup import LookupResult
from domain.recipients import PhoneNumber


class FormatPhoneLookup:
    """Every number that parsed is valid; nothing more is known, so none is verified."""

    async def check(self, phone: PhoneNumber) -> LookupResult:
        return LookupResult.format_only()


class ScriptedPhoneLookup:
    """Answers `script[number]`, else the format check's answer; remembers what it was asked."""

    def __init__(self, script: dict[str, LookupResult] | None = None) -> None:
        self.script = dict(script or {})
        self.asked: list[str] = []

    async def check(self, phone: PhoneNumber) -> LookupResult:
        self.asked.append(phone.value)
        return self.script.get(phone.value, LookupResult.format_only())
