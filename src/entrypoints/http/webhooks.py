"""Provider callbacks: Twilio message status and SendGrid's event webhook.

Both are verified (Twilio always, SendGrid when a key is configured; 403 otherwise),
mapped to our statuses and applied monotonically; they are idempotent, and a callback
for a message we do not know is acknowledged, never an error.
"""

import logging
from typing import Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, post
from litestar.exceptions import ClientException
from litestar.status_codes import HTTP_204_NO_CONTENT

from adapters.providers.sendgrid_email import REFERENCE_ARG
from adapters.providers.sendgrid_signature import (
    SIGNATURE_HEADER as SENDGRID_SIGNATURE,
)
from adapters.providers.sendgrid_signature import (
    TIMESTAMP_HEADER as SENDGRID_TIMESTAMP,
)
from adapters.providers.sendgrid_signature import SendGridEventVerifier
from adapters.providers.twilio_signature import SIGNATURE_HEADER as TWILIO_SIGNATURE
from adapters.providers.twilio_signature import TwilioSignatureVerifier
from application.notifications.record_provider_status import (
    ProviderStatusUpdate,
    RecordProviderStatus,
)
from domain.errors import FieldError, InvalidInput, PermissionDenied
from domain.notifications import Status
from entrypoints.http.bodies import NUL_MESSAGE, decode_json
from entrypoints.http.schemas import problem_responses
from entrypoints.ioc.senders import TWILIO_STATUS_PATH
from entrypoints.settings import Settings

log = logging.getLogger("herald.webhooks")

TWILIO_STATUSES = {
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "read": Status.DELIVERED,
    "undelivered": Status.FAILED,
    "failed": Status.FAILED,
}
SENDGRID_EVENTS = {
    "processed": Status.SENT,
    "delivered": Status.DELIVERED,
    "bounce": Status.FAILED,
    "dropped": Status.FAILED,
}
MAX_FIELD = 256
SENDGRID_UNSIGNED = (
    "SendGrid events are refused: set HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY to the verification "
    "key of SendGrid's Signed Event Webhook"
)


def _text(value: object) -> str | None:
    return value[:MAX_FIELD] if isinstance(value, str) and value else None


def _uuid(value: object) -> UUID | None:
    try:
        return UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


def twilio_update(form: dict[str, str]) -> ProviderStatusUpdate:
    status_text = form.get("MessageStatus", "")
    code = _text(form.get("ErrorCode"))
    detail = f"twilio reported {status_text or 'nothing'}" + (f" (error {code})" if code else "")
    return ProviderStatusUpdate(
        provider="twilio",
        status=TWILIO_STATUSES.get(status_text),
        detail=detail,
        provider_message_id=_text(form.get("MessageSid")),
        error_code=code,
        error=f"Twilio error {code}: {form.get('ErrorMessage') or 'see the Twilio error catalogue'}"
        if code
        else None,
    )


def sendgrid_update(event: dict[str, Any]) -> ProviderStatusUpdate | None:
    """None for an event that changes nothing or cannot be stored (a field holding NUL)."""
    name = _text(event.get("event"))
    if name is None or any(isinstance(v, str) and "\x00" in v for v in event.values()):
        return None
    message_id = _text(event.get("sg_message_id"))
    reason = _text(event.get("reason")) or _text(event.get("response"))
    status = SENDGRID_EVENTS.get(name)
    return ProviderStatusUpdate(
        provider="sendgrid",
        status=status,
        detail=f"sendgrid reported {name}" + (f": {reason}" if reason else ""),
        provider_message_id=message_id.split(".", 1)[0] if message_id else None,
        notification_id=_uuid(event.get(REFERENCE_ARG)),
        event_id=_text(event.get("sg_event_id")),
        error_code=_text(str(event["status"]))
        if status is Status.FAILED and "status" in event
        else None,
        error=reason if status is Status.FAILED else None,
    )


class WebhookController(Controller):
    path = "/webhooks"
    tags = ["webhooks"]
    include_in_schema = True

    @post(
        "/twilio/status",
        summary="Twilio message status callback (form POST, signed with X-Twilio-Signature)",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(400, 403, 413),
    )
    async def twilio_status(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        verifier: FromDishka[TwilioSignatureVerifier | None],
        record: FromDishka[RecordProviderStatus],
    ) -> None:
        if verifier is None:
            raise PermissionDenied("Twilio is not configured, so its callbacks cannot be verified")
        form = await request.form()
        params = {key: str(value) for key, value in form.items()}
        # Twilio signs the URL it called: the public one, not what a proxy passed on.
        url = settings.public_url.rstrip("/") + TWILIO_STATUS_PATH
        if query := request.scope.get("query_string", b"").decode("latin-1"):
            url += "?" + query
        if not verifier.is_valid(url, params, request.headers.get(TWILIO_SIGNATURE, "")):
            raise PermissionDenied(f"invalid {TWILIO_SIGNATURE}")
        if nul := [FieldError(k, NUL_MESSAGE) for k, v in params.items() if "\x00" in k + v]:
            raise InvalidInput(*nul)
        update = twilio_update(params)
        if not await record([update]):
            log.info(
                "twilio callback changed nothing",
                extra={"sid": update.provider_message_id, "detail": update.detail},
            )

    @post(
        "/sendgrid/events",
        summary="SendGrid event webhook (JSON array; verified when a public key is configured)",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(400, 403, 413),
    )
    async def sendgrid_events(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        verifier: FromDishka[SendGridEventVerifier | None],
        record: FromDishka[RecordProviderStatus],
    ) -> None:
        payload = await request.body()
        if verifier is None and not settings.embedded:
            # Unsigned events could mark any sent email failed: only the embedded default
            # (a developer's machine) takes them.
            raise PermissionDenied(SENDGRID_UNSIGNED)
        if verifier is not None and not verifier.is_valid(
            payload,
            request.headers.get(SENDGRID_SIGNATURE, ""),
            request.headers.get(SENDGRID_TIMESTAMP, ""),
        ):
            raise PermissionDenied(
                "invalid or stale SendGrid event webhook signature (timestamps older than "
                f"{settings.webhook_max_age_seconds:g} s are refused)"
            )
        # NUL is checked per event below: one bad event must not cost the batch.
        events = decode_json(payload, object, nul=True)
        if not isinstance(events, list):
            raise ClientException("the body must be a JSON array of SendGrid events")
        updates = [u for e in events if isinstance(e, dict) and (u := sendgrid_update(e))]
        changed = await record(updates)
        log.info(
            "sendgrid events",
            extra={"received": len(events), "usable": len(updates), "changed": changed},
        )
