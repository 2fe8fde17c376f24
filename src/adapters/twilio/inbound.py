"""Twilio's incoming-message webhook, an inbound adapter: a form POST signed with
X-Twilio-Signature over every field it sent becomes a verified InboundSms.

Twilio signs the public URL it called (with its query string) and all the form
parameters, whatever fields it adds (FromCity, NumSegments, ...), so every received
field takes part in the check; the URL is rebuilt from Herald's public URL."""

import re
from collections.abc import Mapping
from datetime import datetime

from adapters.twilio.signature import SIGNATURE_HEADER, TwilioSignatureVerifier
from domain.errors import NUL_MESSAGE, FieldError, FieldErrors, InvalidInput, PermissionDenied
from domain.recipients import PhoneNumber
from domain.subscriptions import InboundSms, inbound_body

_SID = re.compile(r"[A-Za-z0-9]{2,64}")
REQUIRED = ("MessageSid", "From", "To")


class TwilioInboundSms:
    """`verifier` is None when Twilio is not configured: nothing can be verified then, so
    every message is refused."""

    def __init__(self, verifier: TwilioSignatureVerifier | None, webhook_url: str) -> None:
        self._verifier = verifier
        self._url = webhook_url

    def message(
        self, query: str, form: Mapping[str, str], headers: Mapping[str, str], now: datetime
    ) -> InboundSms:
        """The message; PermissionDenied when it is not Twilio's, InvalidInput naming each
        field missing or malformed."""
        if self._verifier is None:
            raise PermissionDenied("Twilio is not configured, so its webhooks cannot be verified")
        url = f"{self._url}?{query}" if query else self._url
        if not self._verifier.is_valid(url, form, headers.get(SIGNATURE_HEADER, "")):
            raise PermissionDenied(f"invalid {SIGNATURE_HEADER}")
        return inbound_message(form, now)


def inbound_message(form: Mapping[str, str], now: datetime) -> InboundSms:
    """A verified webhook's form as a message: MessageSid, From (E.164) and To required,
    Body at most 1,600 characters; no field may hold NUL."""
    if nul := [FieldError(k, NUL_MESSAGE) for k, v in form.items() if "\x00" in k + v]:
        raise InvalidInput(*nul)
    errors = FieldErrors()
    for name in REQUIRED:
        if not form.get(name):
            errors.add(name, "is required")
    errors.raise_if_any()
    sid = form["MessageSid"]
    if not _SID.fullmatch(sid):
        errors.add("MessageSid", "must be 2 to 64 letters and digits")
    sender = errors.check("From", PhoneNumber, form["From"])
    to = form["To"]
    if len(to) > 32:
        errors.add("To", "must be at most 32 characters")
    body = errors.check("Body", inbound_body, form.get("Body", ""))
    errors.raise_if_any()
    return InboundSms(sid, sender.value, to, body, now)
