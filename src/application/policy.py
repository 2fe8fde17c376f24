"""Who may see or do what, in one place: the use cases call these rules, and the HTTP
guards call them too, so a route and its use case cannot disagree.

Roles: a user reads and changes their own things; an admin may also read every user's
notifications and invalid data points, notify another user, ingest data points and
read the dev outbox, and manage recipients, templates, topics and users (their roles,
and whether they are disabled). An agent is support staff: no admin, but staff
(`require_staff`) for what support works on. Users subscribe themselves to self-service
topics, and phones to SMS updates (seeing their own subscriptions; admins and keys with
subscriptions:write see every one). Messages are for the members of their conversation
only: an admin has no special right to read anyone's.

Callers: a user (signed in with their access token) or a service (an API key). A key
acts as a service, never as a user: what needs a user refuses it (`require_user`), and
what a key may do is said by its scopes (`require_scope`), which admins need not have.
"""

from uuid import NAMESPACE_URL, UUID, uuid5

from domain.accounts import User
from domain.api_keys import Scope, ServicePrincipal
from domain.errors import NotFound, PermissionDenied
from domain.messaging import Conversation, Member
from domain.notifications import Notification
from domain.subscriptions import Subscription
from domain.topics import Topic

ADMIN_ROLE_NEEDED = "this action needs the admin role"
KEY_IS_NO_USER = "an API key acts as a service, not as a user: this needs a user's access token"

Caller = User | ServicePrincipal


def herald_service(name: str) -> ServicePrincipal:
    """Herald itself, acting for one of its capabilities (e.g. `tickets` notifying the
    staff and the customers): a service with notifications:write and a fixed id."""
    return ServicePrincipal(
        key_id=uuid5(NAMESPACE_URL, f"herald:{name}"),
        name=name,
        scopes=frozenset({Scope.NOTIFICATIONS_WRITE}),
    )


def require_user(caller: Caller) -> User:
    """The user calling; PermissionDenied for an API key."""
    if isinstance(caller, ServicePrincipal):
        raise PermissionDenied(KEY_IS_NO_USER)
    return caller


def require_scope(caller: Caller, scope: Scope) -> None:
    """An API key needs `scope`; a user needs the admin role (PermissionDenied naming
    what is missing)."""
    if isinstance(caller, ServicePrincipal):
        if scope not in caller.scopes:
            raise PermissionDenied(f"the API key lacks the scope {scope.value}")
    else:
        require_admin(caller, f"{scope.value} needs the admin role or an API key with it")


def caller_id(caller: Caller) -> UUID:
    """Whose an Idempotency-Key is: a user's id or an API key's."""
    return caller.key_id if isinstance(caller, ServicePrincipal) else caller.id


def user_of(caller: Caller) -> User | None:
    """The user calling; None for an API key."""
    return None if isinstance(caller, ServicePrincipal) else caller


def require_notify_recipient(caller: Caller) -> None:
    """Notifying a recipient by external id: admins, and keys with notifications:write."""
    require_scope(caller, Scope.NOTIFICATIONS_WRITE)


def require_read_recipient_notifications(caller: Caller) -> None:
    """A recipient's notifications: admins, and keys with notifications:read."""
    require_scope(caller, Scope.NOTIFICATIONS_READ)


def require_key_manager(caller: Caller) -> User:
    """API keys are managed by admins signed in as themselves; a key manages no keys."""
    if isinstance(caller, ServicePrincipal):
        raise PermissionDenied("an API key cannot manage API keys: sign in as an admin")
    require_admin(caller, "managing API keys needs the admin role")
    return caller


def require_admin(user: User, refusal: str = ADMIN_ROLE_NEEDED) -> None:
    """PermissionDenied, with `refusal` as the reason, unless `user` is an admin."""
    if not user.is_admin:
        raise PermissionDenied(refusal)


def require_staff(user: User, refusal: str = "this action needs the agent or admin role") -> None:
    """PermissionDenied, with `refusal` as the reason, unless `user` is an agent or admin."""
    if not user.is_staff:
        raise PermissionDenied(refusal)


def require_activity_view(user: User) -> None:
    """Every user's notifications are for admins."""
    require_admin(user, "the activity view needs the admin role")


def require_self_service(topic: Topic) -> None:
    """Users subscribe and unsubscribe themselves only to topics marked self-service."""
    if not topic.self_service:
        raise PermissionDenied(
            f"the topic {topic.key!r} is not self-service: an admin manages its subscribers"
        )


def require_may_notify(requester: User, recipient_id: UUID) -> None:
    """Anyone may notify themselves; only an admin may notify another user."""
    if recipient_id != requester.id:
        require_admin(requester, "only an admin may notify another user (user_id)")


def open_notification(
    requester: User, found: Notification | None, notification_id: UUID
) -> Notification:
    """`found`, when the requester may read and cancel it: its recipient, its creator or
    an admin. Anyone else is told it does not exist (NotFound), so ids cannot be probed."""
    if found is None or not (requester.is_admin or found.involves(requester.id)):
        raise NotFound(f"no notification with id {notification_id}")
    return found


def read_notification(
    caller: Caller, found: Notification | None, notification_id: UUID
) -> Notification:
    """`found`, for a user who may open it (`open_notification`) or an API key with
    notifications:read (403 without it); NotFound when there is none."""
    return _reach_notification(caller, found, notification_id, Scope.NOTIFICATIONS_READ)


def cancel_notification(
    caller: Caller, found: Notification | None, notification_id: UUID
) -> Notification:
    """`found`, for a user who may open it (`open_notification`) or an API key with
    notifications:write, which may cancel any notification (403 without the scope);
    NotFound when there is none."""
    return _reach_notification(caller, found, notification_id, Scope.NOTIFICATIONS_WRITE)


def _reach_notification(
    caller: Caller, found: Notification | None, notification_id: UUID, key_scope: Scope
) -> Notification:
    # A key acts as a service over every notification; its scope is asked before the
    # lookup's result, so a key without it cannot probe which ids exist.
    if isinstance(caller, ServicePrincipal):
        require_scope(caller, key_scope)
        if found is None:
            raise NotFound(f"no notification with id {notification_id}")
        return found
    return open_notification(caller, found, notification_id)


def visible_points(is_admin: bool, asked: bool | None, action: str) -> bool | None:
    """The `valid` filter a reader of data points gets (None: valid and invalid).

    Users see valid points only and may not ask for invalid ones (PermissionDenied,
    "only admins may <action> invalid data points"); admins see all, or what they ask.
    """
    if is_admin:
        return asked
    if asked is False:
        raise PermissionDenied(f"only admins may {action} invalid data points")
    return True


def subscriptions_visible_to(caller: Caller) -> UUID | None:
    """Whose subscriptions a caller lists: a user their own, an admin or a key with
    subscriptions:write every one (None); a key without the scope is refused."""
    if isinstance(caller, ServicePrincipal):
        require_scope(caller, Scope.SUBSCRIPTIONS_WRITE)
        return None
    return None if caller.is_admin else caller.id


def open_subscription(
    caller: Caller, found: Subscription | None, subscription_id: UUID
) -> Subscription:
    """`found`, for the user who made it, an admin, or a key with subscriptions:write
    (asked before the lookup's result, so that ids cannot be probed); NotFound else."""
    visible_to = subscriptions_visible_to(caller)
    if found is None or (visible_to is not None and found.user_id != visible_to):
        raise NotFound(f"no subscription with id {subscription_id}")
    return found


def require_member(member: Member | None, conversation: Conversation) -> Member:
    """Only its members read or write a conversation (admins included): PermissionDenied
    for anyone else."""
    if member is None:
        raise PermissionDenied(f"you are not a member of the conversation {conversation.id}")
    return member


REFUSED_BY_RECIPIENT = "this user does not take your messages"


def require_may_message(blocked: bool, restricted: bool) -> None:
    """Direct messages: none between users one of whom blocked the other, and only from
    contacts to a user who restricted them. The refusal says no more than that."""
    if blocked or restricted:
        raise PermissionDenied(REFUSED_BY_RECIPIENT)


def require_owner(member: Member) -> None:
    """Owners add and remove a group's members (anyone may leave)."""
    if not member.is_owner:
        raise PermissionDenied("only an owner of the group may add or remove its members")
