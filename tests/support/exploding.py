"""Container overrides whose use cases fail unexpectedly: for the paths of unhandled errors."""

from typing import NoReturn

from dishka import Provider, Scope

MESSAGE = "the disk is on fire"


class _Exploding:
    async def __call__(self, *args: object, **kwargs: object) -> NoReturn:
        raise RuntimeError(MESSAGE)


def exploding(*use_cases: type) -> Provider:
    """A provider binding each of `use_cases` to one that raises RuntimeError(MESSAGE)."""
    provider = Provider(scope=Scope.REQUEST)
    for use_case in use_cases:
        provider.provide(_Exploding, provides=use_case)
    return provider
