"""Message templates: an SMS and an email part, per-locale variants, and what an SMS costs.

A template is the default variant plus variants by locale; the locale a recipient asks
for is matched exactly, then by its language ("pt-BR" -> "pt"), then the default is used.
Rendering itself is a port (application.ports.templates); this module holds the rules
that need no template engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import NUL_MESSAGE, FieldErrors, InvalidValue

KEY_MAX = 100
_KEY = re.compile(r"[a-z0-9_.:-]{1,100}")
DESCRIPTION_MAX = 500
VARIABLES_MAX = 100
LOCALES_MAX = 100
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# BCP 47 in the shape providers and browsers send: a language, then subtags.
_LOCALE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}")
LOCALE_MAX = 35
# Always available to a template, whatever it declares: who it is sent to.
RECIPIENT = "recipient"
RECIPIENT_FIELDS = ("name", "email", "phone", "locale", "external_id")


def template_key(raw: str) -> str:
    if not _KEY.fullmatch(raw):
        raise InvalidValue(f"must be 1-{KEY_MAX} of a-z, 0-9 and _ . : -")
    return raw


def locale(raw: str) -> str:
    """A locale in its usual spelling: language lower case, region upper case ("pt-BR"),
    script title case ("zh-Hant"), so that "PT-br" and "pt-BR" are one variant."""
    if len(raw) > LOCALE_MAX or not _LOCALE.fullmatch(raw):
        raise InvalidValue("must be a locale like 'en', 'pt-BR' or 'zh-Hant-TW'")
    language, *subtags = raw.split("-")
    spelled = [language.lower()]
    for tag in subtags:
        if len(tag) == 2 and tag.isalpha():
            spelled.append(tag.upper())
        elif len(tag) == 4 and tag.isalpha():
            spelled.append(tag.title())
        else:
            spelled.append(tag.lower())
    return "-".join(spelled)


def variable_name(raw: str) -> str:
    if not _VARIABLE.fullmatch(raw):
        raise InvalidValue("must be a name of letters, digits and _, not starting with a digit")
    if raw == RECIPIENT:
        raise InvalidValue("'recipient' is always available; do not declare it")
    return raw


@dataclass(frozen=True, slots=True)
class TemplateLimits:
    """How big a template and its output may be, and how much work one render may do."""

    max_part_bytes: int  # each part's source, UTF-8
    max_rendered_bytes: int  # each rendered part, UTF-8
    max_steps: int  # the work of one render (loop items, calls, filters' input): its time


@dataclass(frozen=True, slots=True)
class SmsPart:
    text: str


@dataclass(frozen=True, slots=True)
class EmailPart:
    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True, slots=True)
class Variant:
    """The parts of one language; a template has at least one part in every variant."""

    sms: SmsPart | None
    email: EmailPart | None

    def sources(self) -> dict[str, tuple[str, bool]]:
        """Each part's source by its field path, and whether it is HTML (autoescaped)."""
        parts: dict[str, tuple[str, bool]] = {}
        if self.sms is not None:
            parts["sms.text"] = (self.sms.text, False)
        if self.email is not None:
            parts["email.subject"] = (self.email.subject, False)
            parts["email.text"] = (self.email.text, False)
            if self.email.html is not None:
                parts["email.html"] = (self.email.html, True)
        return parts

    def check(self, limits: TemplateLimits, errors: FieldErrors, prefix: str = "") -> set[str]:
        """Adds what is wrong with the parts' sizes to `errors`; the paths it found wrong."""
        if self.sms is None and self.email is None:
            errors.add(prefix.rstrip(".") or "body", "needs an sms or an email part")
        bad = set()
        for path, (source, _) in self.sources().items():
            if "\x00" in source:
                errors.add(prefix + path, NUL_MESSAGE)
            elif len(source.encode("utf-8", "surrogatepass")) > limits.max_part_bytes:
                errors.add(prefix + path, f"must be at most {limits.max_part_bytes} bytes")
            elif not source.strip() and path != "email.html":
                errors.add(prefix + path, "must not be empty")
            else:
                continue
            bad.add(path)
        return bad


@dataclass(frozen=True, slots=True)
class Template:
    key: str
    description: str
    variables: tuple[str, ...]
    default: Variant
    created_at: datetime
    updated_at: datetime
    locales: Mapping[str, Variant] = field(default_factory=dict)  # never changed in place

    def variant_for(self, wanted: str | None, channel: str) -> tuple[str | None, Variant]:
        """The variant to send on `channel` to someone who reads `wanted`, with its locale
        (None: the default): the exact locale, then its language, then the default; a
        variant without a part for the channel is passed over."""
        for candidate in locale_chain(wanted):
            variant = self.locales.get(candidate)
            if variant is not None and getattr(variant, channel) is not None:
                return candidate, variant
        return None, self.default


def locale_chain(wanted: str | None) -> list[str]:
    """ "pt-BR" -> ["pt-BR", "pt"]; a locale that does not parse matches nothing."""
    if wanted is None:
        return []
    try:
        spelled = locale(wanted)
    except InvalidValue:
        return []
    language = spelled.split("-", 1)[0]
    return [spelled] if language == spelled else [spelled, language]


# --- SMS segments ---------------------------------------------------------------------

# GSM 03.38: the basic character set (one septet each) and the extension table (an
# escape septet and one more). The escape character itself is not text.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("\f^{}\\[~]|€")
GSM_SINGLE, GSM_PART = 160, 153  # septets: one message, each part of a long one
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units


@dataclass(frozen=True, slots=True)
class SmsSegments:
    encoding: str  # "GSM-7" or "UCS-2"
    segments: int
    characters: int  # in the encoding's units: septets, or UTF-16 code units


def sms_segments(text: str) -> SmsSegments:
    """How many SMS `text` takes. GSM-7 when every character is in its alphabet (the
    extension table's characters cost two septets), otherwise UCS-2, counted in UTF-16
    code units (an emoji is two). A long message is split in parts of 153 septets or 67
    units, and no part splits an escape pair or a surrogate pair."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text):
        costs = [2 if c in _GSM_EXTENDED else 1 for c in text]
        return SmsSegments("GSM-7", _count(costs, GSM_SINGLE, GSM_PART), sum(costs))
    costs = [2 if ord(c) > 0xFFFF else 1 for c in text]
    return SmsSegments("UCS-2", _count(costs, UCS2_SINGLE, UCS2_PART), sum(costs))


def _count(costs: list[int], single: int, part: int) -> int:
    total = sum(costs)
    if total <= single:
        return 1 if total else 0
    segments, used = 1, 0
    for cost in costs:
        if used + cost > part:
            segments, used = segments + 1, 0
        used += cost
    return segments
