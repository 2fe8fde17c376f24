"""Instants as the API takes them: ISO 8601 with an offset, never a naive local time."""

from datetime import UTC, datetime

from domain.errors import InvalidValue


def parse_instant(text: str) -> datetime:
    """ISO 8601 with an offset (or `Z`), returned in UTC; a naive time is refused."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidValue("must be an ISO 8601 date-time, e.g. 2024-04-22T15:07:57Z") from exc
    if moment.tzinfo is None:
        raise InvalidValue("must carry a UTC offset or 'Z', e.g. 2024-04-22T15:07:57Z")
    return moment.astimezone(UTC)
