"""SendGrid's event webhook, an inbound adapter: a signed JSON array of events becomes
verified ProviderStatusUpdates.

The signature covers the raw bytes, so they are verified before they are decoded. Events
Herald does not use, and events it cannot read or store (a field holding NUL), are
skipped one by one: one bad event must not cost the batch. SendGrid's event names stay
here."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import msgspec

from adapters.sendgrid.notifications import REFERENCE_ARG
from adapters.sendgrid.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, SendGridEventVerifier
from application.notifications.record_provider_status import ProviderStatusUpdate
from application.ports.notifications import ProviderReport
from domain.errors import PermissionDenied, Unreadable
from domain.notifications import Status

EVENTS = {
    "processed": Status.SENT,
    "delivered": Status.DELIVERED,
    "bounce": Status.FAILED,
    "dropped": Status.FAILED,
}
MAX_FIELD = 256
UNSIGNED = (
    "SendGrid events are refused: set HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY to the verification "
    "key of SendGrid's Signed Event Webhook"
)


@dataclass(frozen=True, slots=True)
class EventBatch:
    received: int  # items in the array, usable or not
    updates: list[ProviderStatusUpdate]


class SendGridEvents:
    """`verifier` is None when no key is configured; unsigned events are then taken only
    if `accept_unsigned` (the embedded default, on a developer's machine): otherwise
    anyone could mark any sent email failed."""

    def __init__(self, verifier: SendGridEventVerifier | None, *, accept_unsigned: bool) -> None:
        self._verifier = verifier
        self._accept_unsigned = accept_unsigned

    def batch(self, body: bytes, headers: Mapping[str, str]) -> EventBatch:
        """PermissionDenied when the batch is not SendGrid's (or is stale), Unreadable when
        it is not a JSON array."""
        if self._verifier is None and not self._accept_unsigned:
            raise PermissionDenied(UNSIGNED)
        if self._verifier is not None and not self._verifier.is_valid(
            body, headers.get(SIGNATURE_HEADER, ""), headers.get(TIMESTAMP_HEADER, "")
        ):
            raise PermissionDenied(
                "invalid or stale SendGrid event webhook signature (timestamps older than "
                f"{self._verifier.max_age_seconds:g} s are refused)"
            )
        events = _decode(body)
        if not isinstance(events, list):
            raise Unreadable("the body must be a JSON array of SendGrid events")
        updates = [u for e in events if isinstance(e, dict) and (u := event_update(e))]
        return EventBatch(len(events), updates)


def _decode(body: bytes) -> object:
    try:
        return msgspec.json.decode(body)
    except UnicodeDecodeError as exc:
        raise Unreadable("the request body is not valid UTF-8") from exc
    except RecursionError as exc:
        raise Unreadable("the request body's JSON is nested too deeply") from exc
    except msgspec.DecodeError as exc:
        raise Unreadable("the request body is not valid JSON") from exc


def event_update(event: dict[str, Any]) -> ProviderStatusUpdate | None:
    """None for an event that cannot be stored (no name, or a field holding NUL)."""
    name = _text(event.get("event"))
    if name is None or any(isinstance(v, str) and "\x00" in v for v in event.values()):
        return None
    status = EVENTS.get(name)
    report = None
    if status is not None:
        message_id = _text(event.get("sg_message_id"))
        reason = _text(event.get("reason")) or _text(event.get("response"))
        failed = status is Status.FAILED
        report = ProviderReport(
            status,
            f"sendgrid reported {name}" + (f": {reason}" if reason else ""),
            # "<message id>.filter...": the part before the dot is what the send returned
            provider_message_id=message_id.split(".", 1)[0] if message_id else None,
            notification_id=_uuid(event.get(REFERENCE_ARG)),
            error_code=_text(str(event["status"])) if failed and "status" in event else None,
            error=reason if failed else None,
        )
    return ProviderStatusUpdate("sendgrid", report, event_id=_text(event.get("sg_event_id")))


def _text(value: object) -> str | None:
    return value[:MAX_FIELD] if isinstance(value, str) and value else None


def _uuid(value: object) -> UUID | None:
    try:
        return UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None
