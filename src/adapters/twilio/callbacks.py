"""Twilio's message status callback, an inbound adapter: a form POST signed with
X-Twilio-Signature becomes a verified ProviderStatusUpdate.

Twilio signs the public URL it called (with its query string) and the form parameters,
so the URL is rebuilt from Herald's public callback URL, never from what a proxy passed
on. Twilio's statuses and its opt-out error code stay here."""

from collections.abc import Mapping

from adapters.twilio.notifications import OPTED_OUT
from adapters.twilio.signature import SIGNATURE_HEADER, TwilioSignatureVerifier
from application.notifications.record_provider_status import ProviderStatusUpdate
from application.ports.notifications import ProviderReport
from domain.errors import NUL_MESSAGE, FieldError, InvalidInput, PermissionDenied
from domain.notifications import Status

STATUSES = {
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "read": Status.DELIVERED,
    "undelivered": Status.FAILED,
    "failed": Status.FAILED,
}
MAX_FIELD = 256  # longer values are cut: Twilio's own are far shorter


class TwilioStatusCallbacks:
    """`verifier` is None when Twilio is not configured: nothing can be verified then, so
    every callback is refused."""

    def __init__(self, verifier: TwilioSignatureVerifier | None, callback_url: str) -> None:
        self._verifier = verifier
        self._url = callback_url

    def update(
        self, query: str, form: Mapping[str, str], headers: Mapping[str, str]
    ) -> ProviderStatusUpdate:
        """The callback's update; PermissionDenied when it is not Twilio's, InvalidInput
        naming each field that holds NUL."""
        if self._verifier is None:
            raise PermissionDenied("Twilio is not configured, so its callbacks cannot be verified")
        url = f"{self._url}?{query}" if query else self._url
        if not self._verifier.is_valid(url, form, headers.get(SIGNATURE_HEADER, "")):
            raise PermissionDenied(f"invalid {SIGNATURE_HEADER}")
        if nul := [FieldError(k, NUL_MESSAGE) for k, v in form.items() if "\x00" in k + v]:
            raise InvalidInput(*nul)
        return status_update(form)


def status_update(form: Mapping[str, str]) -> ProviderStatusUpdate:
    """A verified callback's form as an update (None as its report: a status we do not
    track, such as queued)."""
    status_text = form.get("MessageStatus", "")
    code = _text(form.get("ErrorCode"))
    status = STATUSES.get(status_text)
    report = None
    if status is not None:
        detail = f"twilio reported {status_text}" + (f" (error {code})" if code else "")
        error = form.get("ErrorMessage") or "see the Twilio error catalogue"
        report = ProviderReport(
            status,
            detail,
            provider_message_id=_text(form.get("MessageSid")),
            error_code=code,
            error=f"Twilio error {code}: {error}" if code else None,
        )
    return ProviderStatusUpdate("twilio", report, recipient_opted_out=code == str(OPTED_OUT))


def _text(value: str | None) -> str | None:
    return value[:MAX_FIELD] if value else None
