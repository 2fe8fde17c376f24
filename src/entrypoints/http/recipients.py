"""/recipients: the people Herald notifies, by the caller's own external id (admins, and API
keys with recipients:read / recipients:write)."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, delete, get, patch, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from application.paging import LIMITS
from application.policy import Caller, require_scope
from application.recipients.bulk_upsert import (
    BULK_MAX,
    BulkEntry,
    BulkUpsertRecipients,
    EntryResult,
    Outcome,
)
from application.recipients.erase_recipient import EraseRecipient
from application.recipients.fields import (
    KEEP,
    ChannelsInput,
    QuietHoursInput,
    RecipientInput,
)
from application.recipients.get_recipient import GetRecipient
from application.recipients.list_recipients import Q_MAX, ListRecipients, ListRecipientsQuery
from application.recipients.patch_recipient import PatchRecipient, PatchRecipientCommand
from application.recipients.put_recipient import PutRecipient, PutRecipientCommand
from domain.api_keys import Scope
from domain.errors import FieldError
from domain.recipients import (
    EMAIL_MAX,
    EXTERNAL_ID_MAX,
    LOCALE_MAX,
    NAME_MAX,
    TIMEZONE_MAX,
    Recipient,
)
from entrypoints.http.problems import shape_error
from entrypoints.http.schemas import (
    EXAMPLE_ID,
    EXAMPLE_TIME,
    EXAMPLE_USER_ID,
    IdCursor,
    documented,
    problem_responses,
    text,
)
from entrypoints.http.security import SECURITY_WITH_KEYS, CallerDependency, allowed_to

_Unset = msgspec.UnsetType
UNSET = msgspec.UNSET
_Clock = Annotated[str, text("21:00", 5, pattern="^[0-2][0-9]:[0-5][0-9]$")]


class ChannelsIn(msgspec.Struct, forbid_unknown_fields=True):
    email: bool | _Unset = UNSET
    sms: bool | _Unset = UNSET


class QuietHoursIn(msgspec.Struct, forbid_unknown_fields=True):
    start: _Clock
    end: _Clock


class RecipientIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """PUT: a field left out takes its default (none; a channel is on when its address is
    given). PATCH: a field left out stays; null clears it."""

    name: Annotated[str | _Unset | None, text("Ann Lee", NAME_MAX)] = UNSET
    email: Annotated[str | _Unset | None, text("ann@example.com", EMAIL_MAX, format="email")] = (
        UNSET
    )
    phone: Annotated[
        str | int | _Unset | None,
        documented(
            "+15105552054",
            max_length=32,
            pattern="^[+0-9 ().-]*$",
            ge=10**7,
            le=10**15 - 1,
            description="E.164 with the country code; the seed's integer form also works",
        ),
    ] = UNSET
    locale: Annotated[str | _Unset | None, text("pt-BR", LOCALE_MAX)] = UNSET
    timezone: Annotated[
        str | _Unset | None, text("America/New_York", TIMEZONE_MAX, description="IANA")
    ] = UNSET
    channels: ChannelsIn | _Unset = UNSET
    quiet_hours: Annotated[
        QuietHoursIn | _Unset | None,
        documented(
            {"start": "21:00", "end": "08:00"},
            description="local time in `timezone` (UTC without one); may cross midnight",
        ),
    ] = UNSET

    def fields(self) -> RecipientInput:
        def keep(value: object) -> object:
            return KEEP if value is UNSET else value

        channels = self.channels
        quiet = self.quiet_hours
        return RecipientInput(
            name=keep(self.name),  # type: ignore[arg-type]
            email=keep(self.email),  # type: ignore[arg-type]
            phone=keep(self.phone),  # type: ignore[arg-type]
            locale=keep(self.locale),  # type: ignore[arg-type]
            timezone=keep(self.timezone),  # type: ignore[arg-type]
            channels=KEEP
            if isinstance(channels, _Unset)
            else ChannelsInput(keep(channels.email), keep(channels.sms)),  # type: ignore[arg-type]
            quiet_hours=KEEP
            if isinstance(quiet, _Unset)
            else (None if quiet is None else QuietHoursInput(quiet.start, quiet.end)),
        )


_ExternalId = Annotated[str, text("crm-4711", EXTERNAL_ID_MAX, 1)]


class BulkEntryIn(RecipientIn, kw_only=True):
    external_id: _ExternalId


class BulkIn(msgspec.Struct, forbid_unknown_fields=True):
    # Objects, each read on its own (as BulkEntryIn), so that one of the wrong shape is
    # reported by its index while the others are stored.
    items: Annotated[
        list[dict[str, Any]],
        documented(
            None,
            min_items=1,
            max_items=BULK_MAX,
            description="each `{external_id, ...}` with the fields of a PUT",
        ),
    ]


def _entry(item: dict[str, Any]) -> BulkEntry:
    try:
        read = msgspec.convert(item, BulkEntryIn)
    except msgspec.ValidationError as exc:
        external_id = item.get("external_id")
        unreadable = FieldError(*shape_error(str(exc)))
        return BulkEntry(
            external_id if isinstance(external_id, str) else "",
            RecipientInput(),
            (unreadable,),
        )
    return BulkEntry(read.external_id, read.fields())


class ChannelsOut(msgspec.Struct):
    email: bool
    sms: bool


class QuietHoursOut(msgspec.Struct):
    start: Annotated[str, documented("21:00")]
    end: Annotated[str, documented("08:00")]


class RecipientOut(msgspec.Struct):
    id: Annotated[UUID, documented(EXAMPLE_ID)]
    external_id: Annotated[str, documented("crm-4711")]
    name: Annotated[str | None, documented("Ann Lee")]
    email: Annotated[str | None, documented("ann@example.com", format="email")]
    phone: Annotated[str | None, documented("+15105552054", description="E.164")]
    phone_verified: Annotated[
        bool,
        documented(
            True,
            description="a phone lookup vouched for the number; false when only its format "
            "was checked (no lookup configured, or the provider unreachable) or no phone",
        ),
    ]
    locale: Annotated[str | None, documented("pt-BR")]
    timezone: Annotated[str | None, documented("America/New_York")]
    channels: ChannelsOut
    sms_opted_out: Annotated[
        bool, documented(False, description="the phone replied STOP; SMS to it are refused")
    ]
    quiet_hours: QuietHoursOut | None
    user_id: Annotated[
        UUID | None, documented(EXAMPLE_USER_ID, description="the account, if it is a user's")
    ]
    created_at: Annotated[datetime, documented(EXAMPLE_TIME)]
    updated_at: Annotated[datetime, documented(EXAMPLE_TIME)]

    @classmethod
    def of(cls, r: Recipient) -> "RecipientOut":
        c = r.contact
        q = c.quiet_hours
        return cls(
            id=r.id,
            external_id=r.external_id.value,
            name=c.name,
            email=c.email.value if c.email else None,
            phone=c.phone.value if c.phone else None,
            phone_verified=r.phone_verified,
            locale=c.locale.value if c.locale else None,
            timezone=c.timezone.value if c.timezone else None,
            channels=ChannelsOut(c.channels.email, c.channels.sms),
            sms_opted_out=r.sms_opted_out,
            quiet_hours=QuietHoursOut(f"{q.start:%H:%M}", f"{q.end:%H:%M}") if q else None,
            user_id=r.user_id,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


class RecipientPageOut(msgspec.Struct):
    items: list[RecipientOut]
    next_cursor: Annotated[str | None, documented("AaIAXbRwf2qbK3x8pqFDaA")]


class ErasedOut(msgspec.Struct):
    external_id: Annotated[str, documented("crm-4711")]
    redacted_notifications: Annotated[
        int, documented(3, ge=0, description="notifications left with ids and statuses only")
    ]


class FieldErrorOut(msgspec.Struct):
    field: Annotated[str, documented("email")]
    message: Annotated[str, documented("must be an email address like name@example.com")]


class EntryOut(msgspec.Struct):
    index: Annotated[int, documented(0, ge=0)]
    external_id: Annotated[str, documented("crm-4711")]
    status: Outcome
    recipient: RecipientOut | None
    errors: list[FieldErrorOut]

    @classmethod
    def of(cls, e: EntryResult) -> "EntryOut":
        return cls(
            e.index,
            e.external_id,
            e.outcome,
            RecipientOut.of(e.recipient) if e.recipient else None,
            [FieldErrorOut(f.field, f.message) for f in e.errors],
        )


class BulkOut(msgspec.Struct):
    created: Annotated[int, documented(2, ge=0)]
    replaced: Annotated[int, documented(1, ge=0)]
    invalid: Annotated[int, documented(0, ge=0)]
    items: list[EntryOut]


_Path = "/{external_id:str}"


def _reads(caller: Caller) -> None:
    require_scope(caller, Scope.RECIPIENTS_READ)


def _writes(caller: Caller) -> None:
    require_scope(caller, Scope.RECIPIENTS_WRITE)


_READ = [allowed_to(_reads)]
_WRITE = [allowed_to(_writes)]


class RecipientController(Controller):
    path = "/recipients"
    tags = ["recipients"]
    security = SECURITY_WITH_KEYS

    @put(
        _Path,
        guards=_WRITE,
        summary="Create or replace the recipient of an external id (admins, recipients:write)",
        description=(
            "Idempotent. 201 when created, 200 when replaced. Fields left out take their "
            "defaults: no name, addresses, locale, time zone or quiet hours; each channel on "
            "exactly when its address is given. The id, `created_at`, the account link and "
            "the SMS opt-out of an unchanged phone stay."
        ),
        responses={
            HTTP_201_CREATED: ResponseSpec(RecipientOut, description="Created"),
            **problem_responses(401, 403, 409, 413, 415, 422),
        },
    )
    async def replace(
        self,
        caller: CallerDependency,
        external_id: FromPath[str],
        data: JSONBody[RecipientIn],
        put_recipient: FromDishka[PutRecipient],
    ) -> Response[RecipientOut]:
        result = await put_recipient(PutRecipientCommand(caller, external_id, data.fields()))
        status = HTTP_201_CREATED if result.created else HTTP_200_OK
        return Response(RecipientOut.of(result.recipient), status_code=status)

    @patch(
        _Path,
        guards=_WRITE,
        summary="Change the fields given of a recipient (admins, recipients:write)",
        description="A field left out stays; null clears it; `channels` may name one channel.",
        responses=problem_responses(401, 403, 404, 413, 415, 422),
    )
    async def update(
        self,
        caller: CallerDependency,
        external_id: FromPath[str],
        data: JSONBody[RecipientIn],
        patch_recipient: FromDishka[PatchRecipient],
    ) -> RecipientOut:
        cmd = PatchRecipientCommand(caller, external_id, data.fields())
        return RecipientOut.of(await patch_recipient(cmd))

    @get(
        _Path,
        guards=_READ,
        summary="A recipient (admins, recipients:read)",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def read(
        self,
        caller: CallerDependency,
        external_id: FromPath[str],
        get_recipient: FromDishka[GetRecipient],
    ) -> RecipientOut:
        return RecipientOut.of(await get_recipient(caller, external_id))

    @delete(
        _Path,
        guards=_WRITE,
        summary="Erase a person (admins, recipients:write)",
        description=(
            "The recipient goes, with its name, email and phone; afterwards its external id "
            "answers 404. The notifications sent to them keep ids, statuses and history "
            "times only (address, title, text, errors removed; those not sent yet are "
            "canceled); the answer says how many."
        ),
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404, 422),
    )
    async def erase(
        self,
        caller: CallerDependency,
        external_id: FromPath[str],
        erase_recipient: FromDishka[EraseRecipient],
    ) -> ErasedOut:
        redacted = await erase_recipient(caller, external_id)
        return ErasedOut(external_id, redacted)

    @get(
        guards=_READ,
        summary="Recipients in the order they were made; `q` searches (admins, recipients:read)",
        description=(
            "`q`: the start of a name or email (any case), a phone (E.164) or an external id "
            "(exactly)."
        ),
        responses=problem_responses(401, 403, 422),
    )
    async def search(
        self,
        caller: CallerDependency,
        list_recipients: FromDishka[ListRecipients],
        q: Annotated[str | None, QueryParameter(max_length=Q_MAX)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=LIMITS.maximum)] = LIMITS.default,
        cursor: IdCursor = None,
    ) -> RecipientPageOut:
        page = await list_recipients(ListRecipientsQuery(caller, q, limit, cursor))
        return RecipientPageOut([RecipientOut.of(r) for r in page.items], page.next_cursor)

    @post(
        "/bulk",
        guards=_WRITE,
        summary=(
            f"Create or replace up to {BULK_MAX} recipients in one transaction "
            "(admins, recipients:write)"
        ),
        description=(
            "Each entry as a PUT. An entry that is wrong (a bad value, a number where text "
            "goes, an unknown field, or an external id an earlier entry has) is reported by "
            "its index with its bad fields, and the others are stored."
        ),
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 409, 413, 415, 422),
    )
    async def bulk(
        self,
        caller: CallerDependency,
        data: JSONBody[BulkIn],
        bulk_upsert: FromDishka[BulkUpsertRecipients],
    ) -> BulkOut:
        entries = [_entry(item) for item in data.items]
        results = [EntryOut.of(r) for r in await bulk_upsert(caller, entries)]

        def count(outcome: Outcome) -> int:
            return sum(1 for r in results if r.status is outcome)

        return BulkOut(
            count(Outcome.CREATED), count(Outcome.REPLACED), count(Outcome.INVALID), results
        )
