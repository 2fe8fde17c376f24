"""/preferences: the logged-in user's notify_pref, email and phone (seed 002's /preference/)."""

from datetime import datetime
from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, patch
from litestar.di import NamedDependency
from litestar.params import JSONBody

from application.accounts.authenticate import Principal
from application.preferences.get_preferences import GetPreferences
from application.preferences.update_preferences import (
    KEEP,
    UpdatePreferences,
    UpdatePreferencesCommand,
)
from domain.preferences import EMAIL_MAX, ContactPreferences, NotifyPref
from entrypoints.http.schemas import EXAMPLE_TIME, documented, problem_responses, text
from entrypoints.http.security import SECURITY


class PreferencesPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Fields left out keep their value; null clears an address."""

    notify_pref: Annotated[
        str | msgspec.UnsetType,
        documented("sms", enum=list(NotifyPref), description="any case: `None` works too"),
    ] = msgspec.UNSET
    email: Annotated[
        str | msgspec.UnsetType | None,
        text("guy@example.com", EMAIL_MAX, format="email"),
    ] = msgspec.UNSET
    phone: Annotated[
        str | int | msgspec.UnsetType | None,
        documented(
            "+15105552054",
            max_length=32,
            pattern="^[+0-9 ().-]*$",
            ge=10**7,
            le=10**15 - 1,
            description="E.164 with the country code; the seed's integer form also works",
        ),
    ] = msgspec.UNSET


class PreferencesOut(msgspec.Struct):
    username: Annotated[str, documented("ann.lee")]
    notify_pref: NotifyPref
    email: Annotated[str | None, documented("guy@example.com", format="email")]
    phone: Annotated[str | None, documented("+15105552054", description="E.164")]
    sms_opted_out: Annotated[
        bool, documented(False, description="the phone replied STOP; SMS to it are refused")
    ]
    updated_at: Annotated[datetime, documented(EXAMPLE_TIME)]

    @classmethod
    def of(cls, username: str, prefs: ContactPreferences) -> "PreferencesOut":
        return cls(
            username=username,
            notify_pref=prefs.notify_pref,
            email=prefs.email.value if prefs.email else None,
            phone=prefs.phone.value if prefs.phone else None,
            sms_opted_out=prefs.sms_opted_out,
            updated_at=prefs.updated_at,
        )


def _keep_unset(value: object) -> object:
    return KEEP if value is msgspec.UNSET else value


class PreferencesController(Controller):
    path = "/preferences"
    tags = ["preferences"]
    security = SECURITY

    @get(summary="Your contact preferences", responses=problem_responses(401))
    async def read(
        self, principal: NamedDependency[Principal], get_prefs: FromDishka[GetPreferences]
    ) -> PreferencesOut:
        return PreferencesOut.of(principal.user.username.value, await get_prefs(principal.user.id))

    @patch(
        summary="Change some of your contact preferences; fields left out stay as they were",
        description=(
            "`notify_pref`: email | sms | none (any case). `phone` is stored in E.164 and also "
            "accepted as the seed's integer (15105552054). Choosing a channel needs its address."
        ),
        responses=problem_responses(401, 413, 415, 422),
    )
    async def update(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[PreferencesPatch],
        update_prefs: FromDishka[UpdatePreferences],
    ) -> PreferencesOut:
        cmd = UpdatePreferencesCommand(
            user_id=principal.user.id,
            notify_pref=_keep_unset(data.notify_pref),  # type: ignore[arg-type]
            email=_keep_unset(data.email),  # type: ignore[arg-type]
            phone=_keep_unset(data.phone),  # type: ignore[arg-type]
        )
        return PreferencesOut.of(principal.user.username.value, await update_prefs(cmd))
