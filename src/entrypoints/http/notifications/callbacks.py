"""Provider callbacks: Twilio message status and SendGrid's event webhook.

The inbound adapters verify them (Twilio always, SendGrid when a key is configured; 403
otherwise) and map them to our statuses; RecordProviderStatus applies them monotonically
and idempotently, and a callback for a message we do not know is acknowledged, never an
error. These handlers only check the media type and hand the raw request over.
"""

import logging
from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Request, post
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.status_codes import HTTP_204_NO_CONTENT

from adapters.sendgrid.events import SendGridEvents
from adapters.sendgrid.notifications import REFERENCE_ARG
from adapters.twilio.callbacks import STATUSES as TWILIO_STATUSES
from adapters.twilio.callbacks import TwilioStatusCallbacks
from application.notifications.record_provider_status import RecordProviderStatus
from entrypoints.http.bodies import FORM, JSON, is_json, media_type, unsupported
from entrypoints.http.paths import SENDGRID_EVENTS_PATH, TWILIO_STATUS_PATH
from entrypoints.http.schemas import body_operation, problem_responses

log = logging.getLogger("herald.webhooks")

# What the providers send, for the OpenAPI document only.
_MAX_FIELD = 256  # the inbound adapters cut longer values


def _string(*examples: str, enum: list[str] | None = None) -> Schema:
    return Schema(
        type=OpenAPIType.STRING, max_length=_MAX_FIELD, examples=list(examples), enum=enum
    )


_TWILIO_OPERATION = body_operation(
    {
        FORM: Schema(
            type=OpenAPIType.OBJECT,
            properties={
                "MessageSid": _string("SM0123456789abcdef0123456789abcdef"),
                "MessageStatus": _string(
                    "delivered",
                    enum=[*TWILIO_STATUSES, "queued", "accepted"],
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


@post(
    TWILIO_STATUS_PATH,
    summary="Twilio message status callback (form POST, signed with X-Twilio-Signature)",
    tags=["webhooks"],
    status_code=HTTP_204_NO_CONTENT,
    operation_class=_TWILIO_OPERATION,
    responses=problem_responses(403, 413, 415, 422),
)
async def twilio_status(
    request: Request[Any, Any, Any],
    callbacks: FromDishka[TwilioStatusCallbacks],
    record: FromDishka[RecordProviderStatus],
) -> None:
    if media_type(request) != FORM:
        raise unsupported(FORM)
    form = {key: str(value) for key, value in (await request.form()).items()}
    query = request.scope.get("query_string", b"").decode("latin-1")
    update = callbacks.update(query, form, request.headers)
    if not await record([update]):
        report = update.report
        log.info(
            "twilio callback changed nothing",
            extra={
                "sid": report.provider_message_id if report else None,
                "detail": report.detail if report else "a status Herald does not track",
            },
        )


@post(
    SENDGRID_EVENTS_PATH,
    summary="SendGrid event webhook (a JSON array, signed with SendGrid's key)",
    description="Unsigned events are taken only by the embedded default.",
    tags=["webhooks"],
    status_code=HTTP_204_NO_CONTENT,
    operation_class=_SENDGRID_OPERATION,
    responses=problem_responses(403, 413, 415),
)
async def sendgrid_events(
    request: Request[Any, Any, Any],
    events: FromDishka[SendGridEvents],
    record: FromDishka[RecordProviderStatus],
) -> None:
    if not is_json(media_type(request)):
        raise unsupported(JSON)
    batch = events.batch(await request.body(), request.headers)
    changed = await record(batch.updates)
    log.info(
        "sendgrid events",
        extra={"received": batch.received, "usable": len(batch.updates), "changed": changed},
    )
