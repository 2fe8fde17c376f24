"""The ticket's state machine and value checks."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import InvalidValue
from domain.ids import new_id
from domain.tickets import (
    IllegalMove,
    Priority,
    Ticket,
    TicketStatus,
    body,
    can_move,
    priority,
    staff_topics,
    subject,
    ticket_topic,
)

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
S = TicketStatus


def ticket(status: TicketStatus = S.NEW, solved_at: datetime | None = None) -> Ticket:
    return Ticket(
        new_id(),
        1,
        "Late order",
        "Where is it?",
        "support",
        Priority.NORMAL,
        status,
        new_id(),
        None,
        NOW,
        NOW,
        solved_at,
    )


LEGAL = {
    (S.NEW, S.OPEN),
    (S.NEW, S.PENDING),
    (S.NEW, S.SOLVED),
    (S.OPEN, S.PENDING),
    (S.OPEN, S.SOLVED),
    (S.PENDING, S.OPEN),
    (S.PENDING, S.SOLVED),
    (S.SOLVED, S.OPEN),
    (S.SOLVED, S.CLOSED),
}


@pytest.mark.parametrize("old", list(S))
@pytest.mark.parametrize("new", list(S))
def test_only_the_helpdesk_moves_are_allowed(old: TicketStatus, new: TicketStatus) -> None:
    t = ticket(old)
    later = NOW + timedelta(minutes=5)
    if old is new:
        assert t.move(new, later) is t  # no change, no error
    elif (old, new) in LEGAL:
        assert can_move(old, new)
        moved = t.move(new, later)
        assert (moved.status, moved.updated_at) == (new, later)
    else:
        assert not can_move(old, new)
        with pytest.raises(IllegalMove, match=f"a {old} ticket cannot become {new}"):
            t.move(new, later)


def test_solving_stamps_solved_at_and_reopening_keeps_it() -> None:
    solved = ticket(S.OPEN).move(S.SOLVED, NOW + timedelta(hours=1))
    assert solved.solved_at == NOW + timedelta(hours=1)
    reopened = solved.move(S.OPEN, NOW + timedelta(hours=2))
    assert reopened.status is S.OPEN
    again = reopened.move(S.SOLVED, NOW + timedelta(hours=3))
    assert again.solved_at == NOW + timedelta(hours=3)


def test_a_customers_reply_opens_a_pending_ticket_and_leaves_new_and_open() -> None:
    later = NOW + timedelta(minutes=1)
    assert ticket(S.PENDING).customer_replied(later, WEEK).status is S.OPEN
    assert ticket(S.NEW).customer_replied(later, WEEK).status is S.NEW
    kept = ticket(S.OPEN).customer_replied(later, WEEK)
    assert (kept.status, kept.updated_at) == (S.OPEN, later)


def test_a_reply_reopens_a_solved_ticket_only_within_the_window() -> None:
    solved = ticket(S.SOLVED, solved_at=NOW)
    assert solved.customer_replied(NOW + WEEK, WEEK).status is S.OPEN  # the last moment
    with pytest.raises(IllegalMove, match="reopen window"):
        solved.customer_replied(NOW + WEEK + timedelta(seconds=1), WEEK)
    with pytest.raises(IllegalMove, match="closed"):
        ticket(S.CLOSED).customer_replied(NOW, WEEK)


def test_the_auto_close_takes_only_solved_tickets_past_the_window() -> None:
    solved = ticket(S.SOLVED, solved_at=NOW)
    assert solved.close_if_expired(NOW + WEEK, WEEK) is None
    closed = solved.close_if_expired(NOW + WEEK + timedelta(seconds=1), WEEK)
    assert closed is not None
    assert closed.status is S.CLOSED
    assert ticket(S.PENDING).close_if_expired(NOW + 2 * WEEK, WEEK) is None
    assert replace(solved, status=S.OPEN).close_if_expired(NOW + 2 * WEEK, WEEK) is None


def test_values_are_checked() -> None:
    assert subject("  Late order ") == "Late order"
    assert subject("\ttab\there\u3000") == "tab\there"
    for bad in ("", "   \u2028", "x" * 201, "nul\x00"):
        with pytest.raises(InvalidValue):
            subject(bad)
    assert body("Where?\nThanks") == "Where?\nThanks"
    assert body("\x1c") == "\x1c"  # not blank to JSON Schema's `\\s` either
    for bad in ("", "  \n\ufeff", "x" * 9_901, "nul\x00"):
        with pytest.raises(InvalidValue):
            body(bad)
    assert priority("urgent") is Priority.URGENT
    with pytest.raises(InvalidValue, match="low, normal, high, urgent"):
        priority("critical")
    assert ticket_topic("billing", ("sales", "billing")) == "billing"
    with pytest.raises(InvalidValue, match="sales, billing"):
        ticket_topic("legal", ("sales", "billing"))


def test_staff_topics_add_the_urgent_one() -> None:
    assert staff_topics("sales", Priority.HIGH) == ("tickets.sales",)
    assert staff_topics("sales", Priority.URGENT) == ("tickets.sales", "tickets.urgent")
