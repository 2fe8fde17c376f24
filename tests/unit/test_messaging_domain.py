"""Messaging's rules: bodies, attachments, names, ids of messages, receipts."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from domain.errors import Conflict, InvalidValue
from domain.ids import MonotonicIds
from domain.messaging import (
    Attachment,
    Message,
    Receipt,
    client_msg_id,
    direct_key,
    group_title,
    message_body,
    profile_name,
    username_prefix,
)

NOW = datetime(2026, 12, 2, tzinfo=UTC)


def test_bodies_are_kept_exactly_and_bounded_in_code_points_and_bytes() -> None:
    for text in [
        "it's",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",
        "\u05e9\u05dc\u05d5\u05dd",
        " x \n",
    ]:
        assert message_body(text) == text
    assert message_body("\u4e2d" * 4000) == "\u4e2d" * 4000  # 12,000 bytes
    with pytest.raises(InvalidValue, match="code points"):
        message_body("a" * 4001)
    with pytest.raises(InvalidValue, match="bytes"):
        message_body("\U0001f955" * 3001)
    with pytest.raises(InvalidValue, match="NUL"):
        message_body("a\x00")
    with pytest.raises(InvalidValue, match="surrogates"):
        message_body("\ud800")


def test_attachments_are_https_links_with_a_media_type() -> None:
    gif = Attachment.parse("https://e.com/a.gif", "Image/GIF", 480, 270)
    assert gif == Attachment("https://e.com/a.gif", "image/gif", 480, 270)
    for url, kind, width in [
        ("http://e.com/a.gif", "image/gif", None),
        ("https://", "image/gif", None),
        ("https://e.com/a b.gif", "image/gif", None),
        ("https://e.com/a.gif", "gif", None),
        ("https://e.com/a.gif", "image/gif", 0),
        ("https://e.com/" + "a" * 2048, "image/gif", None),
    ]:
        with pytest.raises(InvalidValue):
            Attachment.parse(url, kind, width)


def test_names_titles_prefixes_and_client_ids() -> None:
    assert profile_name("  Ann ") == "Ann"
    assert profile_name("  ") is None
    assert profile_name(None) is None
    with pytest.raises(InvalidValue):
        profile_name("x" * 33)
    assert group_title(" Club ") == "Club"
    with pytest.raises(InvalidValue):
        group_title("")
    assert username_prefix(" AN_ ") == "an_"
    with pytest.raises(InvalidValue):
        username_prefix("a%")
    assert client_msg_id("c-1") == "c-1"
    with pytest.raises(InvalidValue):
        client_msg_id("a b")


def test_monotonic_ids_grow_within_one_millisecond_and_past_its_end() -> None:
    ids = MonotonicIds()
    made = [ids() for _ in range(1000)]
    assert made == sorted(made)
    assert len(set(made)) == 1000
    assert all(i.version == 7 for i in made)
    full = (1 << 80) - 1 & ~(0xF << 76) & ~(0x3 << 62) | 0x7 << 76 | 0x2 << 62
    ids._last = 5 << 80 | full  # the last id of millisecond 5
    with mock.patch("domain.ids._fresh", return_value=5 << 80 | 0x7 << 76 | 0x2 << 62):
        after = ids()  # the clock still in millisecond 5
    assert after.int >> 80 == 6
    assert after.version == 7
    assert after.variant == made[0].variant


def test_direct_keys_name_the_pair_and_receipts_as_each_side_sees_them() -> None:
    ids = MonotonicIds()
    a, b, c = ids(), ids(), ids()
    assert direct_key(a, b) == direct_key(b, a) != direct_key(a, c)
    later = NOW + timedelta(minutes=1)
    m = Message(
        ids(),
        c,
        a,
        "ann",
        "hi",
        (),
        NOW,
        receipts=(Receipt(b, NOW, None), Receipt(c, later, later)),
    )
    assert m.seen_by(b) == (NOW, None)
    assert m.seen_by(c) == (later, later)
    assert m.seen_by(a) == (later, None)  # the sender: when the last recipient had it


def test_edits_within_the_window_and_tombstones() -> None:
    ids = MonotonicIds()
    gif = Attachment("https://e.com/a.gif", "image/gif")
    m = Message(ids(), ids(), ids(), "ann", "helo", (gif,), NOW)
    window = timedelta(minutes=15)
    edited = m.edit("hello", (), NOW + window, window)
    assert (edited.body, edited.attachments, edited.edited_at) == ("hello", (), NOW + window)
    with pytest.raises(Conflict, match="15 minutes"):
        m.edit("late", (), NOW + window + timedelta(microseconds=1), window)
    gone = m.tombstone(NOW)
    assert (gone.body, gone.attachments, gone.deleted) == ("", (), True)
    assert gone.tombstone(NOW + window) == gone
    with pytest.raises(Conflict, match="deleted"):
        gone.edit("back", (), NOW, window)
