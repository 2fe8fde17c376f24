"""Fan-outs in the domain: which channels reach a member, and the parts' bounds."""

from typing import Any
from uuid import UUID

import pytest

from domain.errors import Conflict
from domain.fanouts import Fanout, FanoutStatus, Member, Message, Skipped, part_bounds
from domain.ids import new_id
from domain.preferences import Channel
from tests.support.fakes import FakeClock

BOTH = (Channel.EMAIL, Channel.SMS)
MEMBER = Member(
    recipient_id=UUID(int=1),
    external_id="crm-1",
    user_id=None,
    name=None,
    email="a@example.com",
    phone="+14155550100",
    locale=None,
    email_on=True,
    sms_on=True,
    sms_opted_out=False,
    quiet_hours=None,
    timezone=None,
    override=None,
)


def test_a_member_is_reached_on_each_channel_on_with_an_address() -> None:
    assert MEMBER.reach(BOTH) == (
        [(Channel.EMAIL, "a@example.com"), (Channel.SMS, "+14155550100")],
        Skipped(),
    )
    assert MEMBER.reach((Channel.SMS,)) == ([(Channel.SMS, "+14155550100")], Skipped())


@pytest.mark.parametrize(
    ("changes", "reached", "skipped"),
    [
        ({"sms_on": False}, [Channel.EMAIL], Skipped(channel_off=1)),
        ({"override": (Channel.EMAIL,)}, [Channel.EMAIL], Skipped(channel_off=1)),
        # The override narrows; it never turns on what the recipient turned off.
        ({"email_on": False, "override": (Channel.EMAIL,)}, [], Skipped(channel_off=2)),
        ({"phone": None}, [Channel.EMAIL], Skipped(no_address=1)),
        ({"sms_opted_out": True}, [Channel.EMAIL], Skipped(opted_out=1)),
        ({"sms_opted_out": True, "sms_on": False}, [Channel.EMAIL], Skipped(channel_off=1)),
    ],
)
def test_what_leaves_a_channel_out(
    changes: dict[str, Any], reached: list[Channel], skipped: Skipped
) -> None:
    chosen, missed = MEMBER._replace(**changes).reach(BOTH)
    assert [c for c, _ in chosen] == reached
    assert missed == skipped


def test_skips_add_up() -> None:
    assert Skipped(1, 2, 3, 4) + Skipped(1, 0, 0, 1) == Skipped(2, 2, 3, 5)


@pytest.mark.parametrize("parts", [1, 2, 3, 4, 7, 64])
def test_parts_cover_every_last_byte_once(parts: int) -> None:
    owners = [
        [k for k in range(parts) if part_bounds(k, parts)[0] <= b < part_bounds(k, parts)[1]]
        for b in range(256)
    ]
    assert all(len(o) == 1 for o in owners)
    sizes = [owners.count([k]) for k in range(parts)]
    assert max(sizes) - min(sizes) <= 1


def test_a_fanout_is_canceled_once() -> None:
    now = FakeClock().now()
    f = Fanout(
        new_id(),
        "t",
        FanoutStatus.EXPANDED,
        Message(text="x"),
        now,
        BOTH,
        (),
        False,
        new_id(),
        None,
        3,
        1,
        now,
        now,
    )
    canceled = f.cancel(now)
    assert canceled.status is FanoutStatus.CANCELED
    with pytest.raises(Conflict, match="already canceled"):
        canceled.cancel(now)
