"""Fan-outs: one trigger of a topic, expanded into a notification per subscriber and
channel. The subscribers are those subscribed at trigger time. Expansion runs in
`parts` (disjoint slices of the subscribers, by recipient id), each batch by batch from
its cursor, so a part resumes where its last committed batch ended.

    expanding -> expanded        every part reached its end
    expanding|expanded -> canceled   its unsent notifications canceled, expansion stopped
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from domain.errors import Conflict
from domain.preferences import Channel
from domain.recipients import QuietHours, TimeZone

# Ids a trigger may leave out: as many as one call of the subscribers' routes takes.
EXCLUDE_MAX = 1000
CANCELED = "canceled with its fan-out"  # the history line of a notification it canceled
REPEATED = "the fan-out already made a notification for one of these recipients and channels"


class FanoutStatus(enum.StrEnum):
    EXPANDING = "expanding"
    EXPANDED = "expanded"
    CANCELED = "canceled"


@dataclass(frozen=True, slots=True)
class Skipped:
    """Pairs of a subscriber and a channel the trigger considered that got no
    notification, by why."""

    channel_off: int = 0  # off for them: their own channel, or not in their override
    opted_out: int = 0  # their phone replied STOP
    no_address: int = 0  # no email or phone for the channel
    unrenderable: int = 0  # the template could not be rendered for them

    def __add__(self, other: Skipped) -> Skipped:
        return Skipped(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass(frozen=True, slots=True)
class Message:
    """What every subscriber gets: a template rendered for each of them, or a text."""

    template: str | None = None
    data: Mapping[str, object] = field(default_factory=dict)
    title: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Content:
    """What a notification says: a subscriber's rendering of the message."""

    title: str | None
    text: str
    html: str | None = None


@dataclass(frozen=True, slots=True)
class Fanout:
    id: UUID
    topic: str
    status: FanoutStatus
    message: Message
    sendtime: datetime  # when the notifications are due (quiet hours may defer them)
    channels: tuple[Channel, ...]  # the channels considered for every subscriber
    exclude: tuple[str, ...]  # external ids left out
    urgent: bool  # ignores quiet hours
    caller: UUID  # the user or API key that triggered it
    created_by: UUID | None  # the user; None for an API key
    subscribers: int  # at trigger time, those excluded left out
    parts: int
    created_at: datetime
    updated_at: datetime

    def cancel(self, now: datetime) -> Fanout:
        if self.status is FanoutStatus.CANCELED:
            raise Conflict("the fan-out is already canceled")
        return replace(self, status=FanoutStatus.CANCELED, updated_at=now)


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a fan-out got: notifications made and pairs skipped, over every part."""

    created: int = 0
    skipped: Skipped = field(default_factory=Skipped)


def part_bounds(part: int, parts: int) -> tuple[int, int]:
    """The last bytes of the recipient ids of a part: [low, high). Version-7 ids end in
    random bits, so parts come out the same size."""
    return -(-part * 256 // parts), -(-(part + 1) * 256 // parts)


class Member(NamedTuple):
    """A subscriber as a fan-out reaches them: their recipient's row (checked when it
    was stored) and the subscription's channel override. A named tuple, not a frozen
    dataclass: an expansion reads 100,000 of them, and a frozen dataclass sets each of
    its 13 fields through `object.__setattr__`."""

    recipient_id: UUID
    external_id: str
    user_id: UUID | None
    name: str | None
    email: str | None
    phone: str | None
    locale: str | None
    email_on: bool
    sms_on: bool
    sms_opted_out: bool
    quiet_hours: QuietHours | None
    timezone: TimeZone | None
    override: tuple[Channel, ...] | None  # None: their own channels

    def reach(self, channels: tuple[Channel, ...]) -> tuple[list[tuple[Channel, str]], Skipped]:
        """The (channel, address) pairs to notify of `channels`, and the others by why. A
        channel is on when the recipient has it on and the override, if any, names it:
        the override narrows, it never turns on what the recipient turned off."""
        chosen: list[tuple[Channel, str]] = []
        off = opted_out = no_address = 0
        for channel in channels:
            on = self.email_on if channel is Channel.EMAIL else self.sms_on
            address = self.email if channel is Channel.EMAIL else self.phone
            if not on or (self.override is not None and channel not in self.override):
                off += 1
            elif address is None:
                no_address += 1
            elif channel is Channel.SMS and self.sms_opted_out:
                opted_out += 1
            else:
                chosen.append((channel, address))
        if off or opted_out or no_address:
            return chosen, Skipped(off, opted_out, no_address)
        return chosen, _NONE


_NONE = Skipped()
