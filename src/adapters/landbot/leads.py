"""Landbot's side of the leads' webhooks: the static header Landbot is configured to
send, `Authorization: Token <HERALD_LANDBOT_WEBHOOK_TOKEN>`, checked in constant time
(MessageHooks and the Webhook block send the same header)."""

import hmac

from domain.errors import AuthenticationFailed, PermissionDenied

SCHEME = "token"
NOT_CONFIGURED = (
    "Landbot intake is not configured: set HERALD_LANDBOT_WEBHOOK_TOKEN and give Landbot "
    "the header 'Authorization: Token <it>'"
)
MISSING = "send the header 'Authorization: Token <HERALD_LANDBOT_WEBHOOK_TOKEN>'"
WRONG = "the Landbot token is not valid"


class LandbotWebhookAuth:
    """`token` None: intake is off, and every call is refused (403)."""

    def __init__(self, token: str | None) -> None:
        self._token = None if token is None else token.encode()

    def check(self, authorization: str | None) -> None:
        """PermissionDenied while no token is configured; AuthenticationFailed for a
        missing header, another scheme or a wrong token."""
        if self._token is None:
            raise PermissionDenied(NOT_CONFIGURED)
        scheme, _, given = (authorization or "").strip().partition(" ")
        if scheme.lower() != SCHEME or not given.strip():
            raise AuthenticationFailed(MISSING)
        if not hmac.compare_digest(given.strip().encode(), self._token):
            raise AuthenticationFailed(WRONG)
