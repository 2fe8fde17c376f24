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
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.status_codes import HTTP_204_NO_CONTENT

from adapters.sendgrid.notifications import REFERENCE_ARG
from adapters.sendgrid.signature import (
    SIGNATURE_HEADER as SENDGRID_SIGNATURE,
)
from adapters.sendgrid.signature import (
    TIMESTAMP_HEADER as SENDGRID_TIMESTAMP,
)
from adapters.sendgrid.signature import SendGridEventVerifier
from adapters.twilio.signature import SIGNATURE_HEADER as TWILIO_SIGNATURE
from adapters.twilio.signature import TwilioSignatureVerifier
from application.notifications.record_provider_status import (
    ProviderStatusUpdate,
    RecordProviderStatus,
)
from application.ports.notifications import ProviderReport
from domain.errors import FieldError, InvalidInput, PermissionDenied
from domain.notifications import Status
from entrypoints.http.bodies import (
    FORM,
    JSON,
    NUL_MESSAGE,
    decode_json,
    is_json,
    media_type,
    unsupported,
)
from entrypoints.http.schemas import body_operation, problem_responses
from entrypoints.ioc.notifications import TWILIO_STATUS_PATH
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
    status = TWILIO_STATUSES.get(status_text)
    report = (
        ProviderReport(
            status,
            detail,
            provider_message_id=_text(form.get("MessageSid")),
            error_code=code,
            error=f"Twilio error {code}: "
            f"{form.get('ErrorMessage') or 'see the Twilio error catalogue'}"
            if code
            else None,
        )
        if status is not None
        else None
    )
    return ProviderStatusUpdate("twilio", report, recipient_opted_out=code == "21610")


def sendgrid_update(event: dict[str, Any]) -> ProviderStatusUpdate | None:
    """None for an event that changes nothing or cannot be stored (a field holding NUL)."""
    name = _text(event.get("event"))
    if name is None or any(isinstance(v, str) and "\x00" in v for v in event.values()):
        return None
    message_id = _text(event.get("sg_message_id"))
    reason = _text(event.get("reason")) or _text(event.get("response"))
    status = SENDGRID_EVENTS.get(name)
    report = (
        ProviderReport(
            status,
            f"sendgrid reported {name}" + (f": {reason}" if reason else ""),
            provider_message_id=message_id.split(".", 1)[0] if message_id else None,
            notification_id=_uuid(event.get(REFERENCE_ARG)),
            error_code=_text(str(event["status"]))
            if status is Status.FAILED and "status" in event
            else None,
            error=reason if status is Status.FAILED else None,
        )
        if status is not None
        else None
    )
    return ProviderStatusUpdate("sendgrid", report, event_id=_text(event.get("sg_event_id")))


def _string(*examples: str, enum: list[str] | None = None) -> Schema:
    return Schema(type=OpenAPIType.STRING, max_length=MAX_FIELD, examples=list(examples), enum=enum)


_TWILIO_OPERATION = body_operation(
    {
        FORM: Schema(
            type=OpenAPIType.OBJECT,
            properties={
                "MessageSid": _string("SM0123456789abcdef0123456789abcdef"),
                "MessageStatus": _string(
                    "delivered", enum=[*TWILIO_STATUSES, "queued", "accepted"]
                ),
                "ErrorCode": _string("21610"),
                "ErrorMessage": _string("Attempt to send to unsubscribed recipient"),
                "AccountSid": _string("AC0123456789abcdef0123456789abcdef"),
            },
            required=["MessageSid", "MessageStatus"],
        )
    }
)
_SENDGRID_OPERATION = body_operation(
    {
        JSON: Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                properties={
                    "event": _string("delivered", "bounce", "open"),
                    "sg_event_id": _string("ZGVsaXZlcmVkLTAtMjQ0NjI"),
                    "sg_message_id": _string("14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0"),
                    REFERENCE_ARG: _string("01a2005d-b470-7f6a-9b2b-7c7ca6c14368"),
                    "reason": _string("550 5.1.1 The email account does not exist"),
                },
                description="events Herald does not use (or cannot read) are acknowledged",
            ),
        )
    }
)


class WebhookController(Controller):
    path = "/webhooks"
    tags = ["webhooks"]
    include_in_schema = True

    @post(
        "/twilio/status",
        summary="Twilio message status callback (form POST, signed with X-Twilio-Signature)",
        status_code=HTTP_204_NO_CONTENT,
        operation_class=_TWILIO_OPERATION,
        responses=problem_responses(403, 413, 415, 422),
    )
    async def twilio_status(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        verifier: FromDishka[TwilioSignatureVerifier | None],
        record: FromDishka[RecordProviderStatus],
    ) -> None:
        if media_type(request) != FORM:
            raise unsupported(FORM)
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
                extra={
                    "sid": update.report and update.report.provider_message_id,
                    "detail": update.report and update.report.detail,
                },
            )

    @post(
        "/sendgrid/events",
        summary="SendGrid event webhook (a JSON array, signed with SendGrid's key)",
        description="Unsigned events are taken only by the embedded default.",
        status_code=HTTP_204_NO_CONTENT,
        operation_class=_SENDGRID_OPERATION,
        responses=problem_responses(403, 413, 415),
    )
    async def sendgrid_events(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        verifier: FromDishka[SendGridEventVerifier | None],
        record: FromDishka[RecordProviderStatus],
    ) -> None:
        if not is_json(media_type(request)):
            raise unsupported(JSON)
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
