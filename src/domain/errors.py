"""Domain errors: each carries a message fit to show a user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

T = TypeVar("T")

# PostgreSQL cannot store NUL in text; every text input refuses it with this message.
NUL_MESSAGE = "must not contain NUL characters"


class DomainError(Exception):
    """Base of every error the domain and the use cases raise on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def problem_members(self) -> dict[str, object]:
        """Members the problem answer adds to the RFC 9457 ones (e.g. a `code`)."""
        return {}


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class InvalidInput(DomainError):
    """One or more fields are invalid; `errors` names each of them."""

    def __init__(self, *errors: FieldError) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        return cls(FieldError(field, message))


class Unreadable(DomainError):
    """The input cannot be read at all (not UTF-8, not JSON, not the expected shape)."""


class InvalidValue(DomainError):
    """A value object refused its input; the caller knows which field it was."""


class FieldErrors:
    """Collects every bad field of one input, so a user sees them all at once.

    `check` returns the parsed value, or a placeholder when parsing failed; call
    `raise_if_any` before using any of the values.
    """

    def __init__(self) -> None:
        self._errors: list[FieldError] = []

    def check(self, field: str, parse: Callable[..., T], *args: Any) -> T:
        try:
            return parse(*args)
        except InvalidValue as exc:
            self._errors.append(FieldError(field, exc.message))
            return cast(T, None)

    def add(self, field: str, message: str) -> None:
        self._errors.append(FieldError(field, message))

    def raise_if_any(self) -> None:
        if self._errors:
            raise InvalidInput(*self._errors)


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    pass


class AuthenticationFailed(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class RateLimited(DomainError):
    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class UpstreamUnavailable(DomainError):
    """An external system we depend on failed or could not be reached."""
