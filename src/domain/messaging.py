"""Messaging: user profiles and the directory, conversations (direct, one per pair, and
groups with owners and members), messages with their attachments and per-recipient
receipts.

Text round-trips exactly: a body is stored as sent (no trimming, no normalisation), so
quotes, emoji, ZWJ sequences and right-to-left text come back byte for byte. It is
bounded in code points and in UTF-8 bytes, and refuses NUL, which PostgreSQL's text
cannot hold. Attachments are links Herald never fetches.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from domain.accounts import USERNAME_MAX
from domain.errors import NUL_MESSAGE, Conflict, InvalidValue

PROFILE_NAME_MAX = 32  # the seed's varchar(32)
BODY_MAX_CODE_POINTS = 4000
# 4,000 CJK characters (3 bytes each) fit; four-byte emoji stop at 3,000.
BODY_MAX_BYTES = 12000
ATTACHMENTS_MAX = 10
URL_MAX = 2048
CONTENT_TYPE_MAX = 100
DIMENSION_MAX = 100_000
TITLE_MAX = 200
GROUP_MEMBERS_MAX = 256  # the creator included
CLIENT_MSG_ID_MAX = 100
REACTION_MAX = 32  # code points: an emoji with its modifiers and joiners, or a :shortcode:
# The rules below as regular expressions, which the API's schema states too.
CONTENT_TYPE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*"
URL_PATTERN = r"https://[!-~]+"  # printable ASCII: other characters are percent-encoded
CONTROLS = "\x00-\x1f\x7f-\x9f"
NO_CONTROLS_PATTERN = rf"[^{CONTROLS}]*"
REACTION_PATTERN = rf"[^\s{CONTROLS}]{{1,32}}"
_CONTENT_TYPE = re.compile(CONTENT_TYPE_PATTERN)
_URL = re.compile(URL_PATTERN)
_NO_CONTROLS = re.compile(NO_CONTROLS_PATTERN)
_REACTION = re.compile(REACTION_PATTERN)
_USERNAME_PREFIX = re.compile(rf"[a-z0-9_.-]{{0,{USERNAME_MAX}}}")
_CLIENT_MSG_ID = re.compile(r"[\x21-\x7e]{1,100}")  # printable ASCII, no spaces


def _no_nul(raw: str) -> str:
    if "\x00" in raw:
        raise InvalidValue(NUL_MESSAGE)
    return raw


def profile_name(raw: str | None) -> str | None:
    """A first or last name: at most 32 characters and no control characters,
    surrounding blanks removed; None or blank clears it."""
    if raw is None:
        return None
    _no_nul(raw)
    if not _NO_CONTROLS.fullmatch(raw):
        raise InvalidValue("must not hold control characters")
    name = raw.strip()
    if len(name) > PROFILE_NAME_MAX:
        raise InvalidValue(f"must be at most {PROFILE_NAME_MAX} characters")
    return name or None


def username_prefix(raw: str) -> str:
    """What the directory's usernames start with, case-folded; empty: everyone."""
    folded = raw.strip().casefold()
    if not _USERNAME_PREFIX.fullmatch(folded):
        raise InvalidValue(
            f"must be at most {USERNAME_MAX} characters of a-z, 0-9, '_', '.' or '-'"
        )
    return folded


def message_body(raw: str) -> str:
    """Kept exactly as sent: at most 4,000 code points and 12,000 UTF-8 bytes, no NUL."""
    _no_nul(raw)
    if len(raw) > BODY_MAX_CODE_POINTS:
        raise InvalidValue(f"must be at most {BODY_MAX_CODE_POINTS} characters (code points)")
    try:
        size = len(raw.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidValue("must be valid Unicode text (no lone surrogates)") from None
    if size > BODY_MAX_BYTES:
        raise InvalidValue(f"must be at most {BODY_MAX_BYTES} bytes in UTF-8")
    return raw


def group_title(raw: str) -> str:
    """1-200 characters, no control characters, surrounding blanks removed."""
    _no_nul(raw)
    if not _NO_CONTROLS.fullmatch(raw):
        raise InvalidValue("must not hold control characters")
    title = raw.strip()
    if not 1 <= len(title) <= TITLE_MAX:
        raise InvalidValue(f"must be 1 to {TITLE_MAX} characters, not only blanks")
    return title


def client_msg_id(raw: str | None) -> str | None:
    """The sender's own id of a message, making a retried send idempotent: 1-100
    printable ASCII characters without spaces."""
    if raw is None:
        return None
    if not _CLIENT_MSG_ID.fullmatch(raw):
        raise InvalidValue(
            f"must be 1 to {CLIENT_MSG_ID_MAX} printable ASCII characters, no spaces"
        )
    return raw


def message_id(raw: str) -> UUID:
    """A message's id as a client sends it back (`before`, `after`, `up_to`)."""
    try:
        return UUID(raw.strip())
    except ValueError:
        raise InvalidValue("must be the id of a message") from None


def reaction(raw: str) -> str:
    """An emoji (ZWJ sequences and modifiers included) or a `:shortcode:`: 1-32 code
    points, no blanks or control characters."""
    if not _REACTION.fullmatch(raw):
        raise InvalidValue(
            f"must be one emoji or :shortcode:, 1 to {REACTION_MAX} characters without blanks"
        )
    return raw


@dataclass(frozen=True, slots=True)
class Attachment:
    """A link to a file (a GIF is an image link): https only, never fetched by Herald."""

    url: str
    content_type: str
    width: int | None = None
    height: int | None = None

    @classmethod
    def parse(
        cls, url: str, content_type: str, width: int | None = None, height: int | None = None
    ) -> Attachment:
        if len(url) > URL_MAX:
            raise InvalidValue(f"url must be at most {URL_MAX} characters")
        if not _URL.fullmatch(url):
            raise InvalidValue(
                "url must be an https:// link of printable ASCII (percent-encode the rest)"
            )
        if len(content_type) > CONTENT_TYPE_MAX or not _CONTENT_TYPE.fullmatch(content_type):
            raise InvalidValue("content_type must be a media type such as image/gif")
        kind = content_type.lower()
        for name, value in (("width", width), ("height", height)):
            if value is not None and not 1 <= value <= DIMENSION_MAX:
                raise InvalidValue(f"{name} must be between 1 and {DIMENSION_MAX}")
        return cls(url, kind, width, height)


class ConversationKind(enum.StrEnum):
    DIRECT = "direct"
    GROUP = "group"


class MemberRole(enum.StrEnum):
    OWNER = "owner"
    MEMBER = "member"


def direct_key(a: UUID, b: UUID) -> str:
    """The one direct conversation of a pair, whoever wrote first."""
    low, high = sorted((a, b))
    return f"{low.hex}{high.hex}"


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: UUID
    first_name: str | None
    last_name: str | None
    contacts_only: bool = False  # direct messages from contacts only


class ContactStatus(enum.StrEnum):
    CONTACT = "contact"  # both asked: each is the other's contact
    REQUESTED = "requested"  # I asked, they have not
    PENDING = "pending"  # they asked, I have not: PUT accepts


@dataclass(frozen=True, slots=True)
class Contact:
    user: DirectoryEntry
    status: ContactStatus


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """A user as the directory shows them."""

    user_id: UUID
    username: str
    first_name: str | None
    last_name: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Conversation:
    id: UUID
    kind: ConversationKind
    title: str | None  # groups only
    created_at: datetime
    # The id of its latest message (v7, time-ordered), or its own id while it has none:
    # the order of a user's conversations by latest activity.
    activity_id: UUID

    @property
    def is_direct(self) -> bool:
        return self.kind is ConversationKind.DIRECT


@dataclass(frozen=True, slots=True)
class Member:
    conversation_id: UUID
    user_id: UUID
    username: str
    role: MemberRole
    joined_at: datetime
    read_up_to: UUID | None = None  # the read marker: every message up to it is read

    @property
    def is_owner(self) -> bool:
        return self.role is MemberRole.OWNER


@dataclass(frozen=True, slots=True)
class Receipt:
    """One recipient's copy of a message: when it reached them and when they read it."""

    user_id: UUID
    delivered_at: datetime | None
    read_at: datetime | None


@dataclass(frozen=True, slots=True)
class Reaction:
    """One emoji on a message and who gave it (one each)."""

    emoji: str
    user_ids: tuple[UUID, ...]


@dataclass(frozen=True, slots=True)
class Message:
    id: UUID  # v7: pages and orders by it
    conversation_id: UUID
    sender_id: UUID
    sender: str  # the sender's username
    body: str
    attachments: tuple[Attachment, ...]
    created_at: datetime
    client_msg_id: str | None = None
    receipts: tuple[Receipt, ...] = ()
    edited_at: datetime | None = None
    deleted_at: datetime | None = None  # a tombstone: the body and attachments are gone
    reactions: tuple[Reaction, ...] = ()

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def edit(
        self, body: str, attachments: tuple[Attachment, ...], now: datetime, window: timedelta
    ) -> Message:
        """The message with its new text: by its sender (checked by the caller), not
        deleted, and within `window` of being sent."""
        if self.deleted:
            raise Conflict("a deleted message cannot be edited")
        if now - self.created_at > window:
            seconds = int(window.total_seconds())
            span = f"{seconds // 60} minutes" if seconds >= 60 else f"{seconds} seconds"
            raise Conflict(f"messages can be edited within {span} of being sent")
        return replace(self, body=body, attachments=attachments, edited_at=now)

    def tombstone(self, now: datetime) -> Message:
        """Deleted: the body, attachments and reactions gone, the place in the history
        kept. Deleting again changes nothing."""
        if self.deleted:
            return self
        return replace(self, body="", attachments=(), reactions=(), deleted_at=now)

    def receipt_of(self, user_id: UUID) -> Receipt | None:
        return next((r for r in self.receipts if r.user_id == user_id), None)

    def seen_by(self, viewer: UUID) -> tuple[datetime | None, datetime | None]:
        """(delivered_at, read_at) as `viewer` sees them: for a recipient, their own copy;
        for the sender, when every recipient had it (None until the last one)."""
        if viewer != self.sender_id:
            mine = self.receipt_of(viewer)
            return (None, None) if mine is None else (mine.delivered_at, mine.read_at)
        return _all_of([r.delivered_at for r in self.receipts]), _all_of(
            [r.read_at for r in self.receipts]
        )


def _all_of(times: list[datetime | None]) -> datetime | None:
    if not times or any(t is None for t in times):
        return None
    return max(t for t in times if t is not None)


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """A conversation in its member's list: its other members, its last message, and how
    many messages the member has not read."""

    conversation: Conversation
    members: tuple[Member, ...]
    last_message: Message | None
    unread: int


class LiveKind(enum.StrEnum):
    """What a live event tells a member's stream (`GET /api/stream`)."""

    MESSAGE = "message"  # a new message
    EDITED = "message.edited"
    DELETED = "message.deleted"
    REACTIONS = "reactions"  # a message's reactions changed
    READ = "read"  # a member's read marker moved
    MEMBERS = "members"  # a conversation's members changed
    TYPING = "typing"  # not kept: no replay


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One event for the streams of `recipients`: the same id and JSON `data` for each;
    kept per recipient (but typing) so a reconnect replays what it missed."""

    id: UUID  # time-ordered: a stream's `Last-Event-ID`
    kind: LiveKind
    data: str  # JSON
    created_at: datetime
    recipients: tuple[UUID, ...]


@dataclass(frozen=True, slots=True)
class UnreadGroup:
    """A member's messages of one conversation, unread for too long: how many, from whom
    (up to three names, first to last), and the newest of them."""

    user_id: UUID
    conversation_id: UUID
    count: int
    senders: tuple[str, ...]
    up_to: UUID


@dataclass(frozen=True, slots=True)
class MessagesWaiting:
    """Domain event: `user_id` has `count` messages of a conversation unread past the
    notice window; the notification engine tells them, once per `key`."""

    user_id: UUID
    conversation_id: UUID
    count: int
    senders: tuple[str, ...]
    key: str  # one notification per conversation per window

    @property
    def text(self) -> str:
        who = ", ".join(self.senders)
        noun = "message" if self.count == 1 else "messages"
        return f"{self.count} new {noun} from {who}"
