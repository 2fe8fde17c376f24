from datetime import UTC, datetime

import pytest

from application.policy import (
    ADMIN_ROLE_NEEDED,
    open_notification,
    require_activity_view,
    require_admin,
    require_may_notify,
    visible_points,
)
from domain.accounts import Role, User, Username
from domain.errors import NotFound, PermissionDenied
from domain.ids import new_id
from domain.notifications import Notification, Status
from domain.preferences import Channel

NOW = datetime(2024, 4, 22, 15, 30, tzinfo=UTC)


def user(name: str, role: Role = Role.USER) -> User:
    return User(new_id(), Username(name), "hash", role, NOW)


ANN, BOB, CAROL, BOSS = user("ann"), user("bob"), user("carol"), user("boss", Role.ADMIN)


def sent_to(recipient: User, creator: User) -> Notification:
    return Notification(
        new_id(), recipient.id, creator.id, Channel.SMS, "+15105552054", None, "x",
        NOW, NOW, Status.SCHEDULED, NOW, NOW,
    )  # fmt: skip


def test_admin_only_things() -> None:
    require_admin(BOSS)
    with pytest.raises(PermissionDenied, match=ADMIN_ROLE_NEEDED):
        require_admin(ANN)
    require_activity_view(BOSS)
    with pytest.raises(PermissionDenied, match="the activity view needs the admin role"):
        require_activity_view(ANN)


def test_only_admins_notify_someone_else() -> None:
    require_may_notify(ANN, ANN.id)
    require_may_notify(BOSS, ANN.id)
    with pytest.raises(PermissionDenied, match="only an admin may notify another user"):
        require_may_notify(ANN, BOB.id)


def test_a_notification_is_open_to_its_recipient_its_creator_and_admins() -> None:
    n = sent_to(ANN, BOB)
    for who in (ANN, BOB, BOSS):
        assert open_notification(who, n, n.id) is n
    for who, found in ((CAROL, n), (BOSS, None), (ANN, None)):
        with pytest.raises(NotFound, match=f"no notification with id {n.id}"):
            open_notification(who, found, n.id)


def test_users_see_valid_points_only() -> None:
    assert visible_points(False, None, "list") is True
    assert visible_points(False, True, "list") is True
    with pytest.raises(PermissionDenied, match="only admins may summarize invalid data points"):
        visible_points(False, False, "summarize")
    for asked in (None, True, False):
        assert visible_points(True, asked, "list") is asked
