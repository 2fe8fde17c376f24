"""Topics: named groups of recipients, for notifying every subscriber with one call; each
subscription may narrow the channels its recipient is reached on for this topic."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.errors import NUL_MESSAGE, FieldErrors, InvalidValue
from domain.preferences import Channel
from domain.recipients import ExternalId

KEY_MAX = 100
KEY_PATTERN = f"[a-z0-9_.:-]{{1,{KEY_MAX}}}"  # also the API's documented pattern
_KEY = re.compile(KEY_PATTERN)
NAME_MAX = 200
DESCRIPTION_MAX = 500
# Recipients added or removed by one call: one set-based statement each way.
SUBSCRIBERS_PER_CALL = 1000


def topic_key(raw: str) -> str:
    if not _KEY.fullmatch(raw):
        raise InvalidValue(f"must be 1-{KEY_MAX} of a-z, 0-9 and _ . : -")
    return raw


def topic_name(raw: str) -> str:
    """1-200 printable characters, surrounding blanks removed."""
    name = raw.strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise InvalidValue(f"must be 1 to {NAME_MAX} characters")
    if not name.isprintable():
        raise InvalidValue("must hold printable characters only")
    return name


def topic_description(raw: str) -> str:
    if len(raw) > DESCRIPTION_MAX:
        raise InvalidValue(f"must be at most {DESCRIPTION_MAX} characters")
    if "\x00" in raw:
        raise InvalidValue(NUL_MESSAGE)
    return raw


def channel_override(raw: Sequence[str]) -> tuple[Channel, ...]:
    """The channels a subscription reaches its recipient on: at least one, each once, in
    a fixed order (leaving the override out means the recipient's own channels)."""
    if not raw:
        raise InvalidValue("must name at least one channel; leave it out for the recipient's own")
    channels = [Channel.parse(c) for c in raw]
    if len(set(channels)) != len(channels):
        raise InvalidValue("must not name a channel twice")
    return tuple(c for c in Channel if c in channels)


def subscriber_ids(raw: Sequence[str], errors: FieldErrors, field: str = "recipients") -> list[str]:
    """1 to 1,000 external ids, each well formed; an id sent twice counts once (the
    calls are idempotent, so a repeat changes nothing)."""
    if not 1 <= len(raw) <= SUBSCRIBERS_PER_CALL:
        errors.add(field, f"must hold 1 to {SUBSCRIBERS_PER_CALL} external ids")
        return []
    for i, external_id in enumerate(raw):
        errors.check(f"{field}[{i}]", ExternalId, external_id)
    return list(dict.fromkeys(raw))


@dataclass(frozen=True, slots=True)
class Topic:
    key: str
    name: str
    description: str
    self_service: bool  # users may subscribe and unsubscribe themselves
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Subscriber:
    recipient_id: UUID  # the order of the list of subscribers
    external_id: str
    channels: tuple[Channel, ...] | None  # None: the recipient's own channels
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Membership:
    """A topic as one recipient sees it: whether they are subscribed, and how."""

    topic: Topic
    subscribed: bool
    channels: tuple[Channel, ...] | None


@dataclass(frozen=True, slots=True)
class SubscriptionChange:
    """What adding or removing a batch of recipients did: how many subscriptions were
    made or removed, and the ids no recipient has (in the order sent)."""

    count: int
    unknown: list[str]
