from datetime import UTC, datetime

import pytest

from application.policy import (
    ADMIN_ROLE_NEEDED,
    KEY_IS_NO_USER,
    cancel_notification,
    open_notification,
    read_notification,
    require_activity_view,
    require_admin,
    require_key_manager,
    require_may_notify,
    require_scope,
    require_staff,
    require_user,
    visible_points,
)
from domain.accounts import Role, User, Username
from domain.api_keys import Scope, ServicePrincipal
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


KEY = ServicePrincipal(new_id(), "billing", frozenset({Scope.RECIPIENTS_READ}))


def test_a_key_is_never_a_user() -> None:
    assert require_user(ANN) is ANN
    with pytest.raises(PermissionDenied, match=KEY_IS_NO_USER):
        require_user(KEY)


def test_scopes_are_for_keys_that_have_them_and_for_admins() -> None:
    require_scope(KEY, Scope.RECIPIENTS_READ)
    require_scope(BOSS, Scope.RECIPIENTS_WRITE)
    with pytest.raises(PermissionDenied, match="the API key lacks the scope recipients:write"):
        require_scope(KEY, Scope.RECIPIENTS_WRITE)
    with pytest.raises(PermissionDenied, match="recipients:read needs the admin role"):
        require_scope(ANN, Scope.RECIPIENTS_READ)


def test_keys_are_managed_by_admins_signed_in_as_themselves() -> None:
    assert require_key_manager(BOSS) is BOSS
    with pytest.raises(PermissionDenied, match="managing API keys needs the admin role"):
        require_key_manager(ANN)
    every_scope = ServicePrincipal(new_id(), "all", frozenset(Scope))
    with pytest.raises(PermissionDenied, match="an API key cannot manage API keys"):
        require_key_manager(every_scope)


def test_a_key_reads_and_cancels_any_notification_with_the_scope_for_it() -> None:
    n = sent_to(ANN, BOB)
    reader = ServicePrincipal(new_id(), "crm", frozenset({Scope.NOTIFICATIONS_READ}))
    writer = ServicePrincipal(new_id(), "crm", frozenset({Scope.NOTIFICATIONS_WRITE}))
    assert read_notification(reader, n, n.id) is n
    assert cancel_notification(writer, n, n.id) is n
    for rule, key, scope in (
        (read_notification, writer, "notifications:read"),
        (cancel_notification, reader, "notifications:write"),
    ):
        for found in (n, None):  # the scope first: a key without it learns no ids
            with pytest.raises(PermissionDenied, match=f"lacks the scope {scope}"):
                rule(key, found, n.id)
    with pytest.raises(NotFound):
        cancel_notification(writer, None, n.id)
    for rule in (read_notification, cancel_notification):  # users: as open_notification
        assert rule(BOB, n, n.id) is n
        with pytest.raises(NotFound):
            rule(CAROL, n, n.id)


def test_agents_are_staff_but_no_admins() -> None:
    agent = user("sam", Role.AGENT)
    for staff in (agent, BOSS):
        require_staff(staff)
    with pytest.raises(PermissionDenied, match="needs the agent or admin role"):
        require_staff(ANN)
    with pytest.raises(PermissionDenied, match=ADMIN_ROLE_NEEDED):
        require_admin(agent)
