"""The in-process memory of templates in front of the database's reader: what it read,
found or missing, is kept for the ttl, and forgetting a key reads it again at once."""

from datetime import UTC, datetime

from adapters.cachetools.templates import CachingTemplateReader, TemplateCache
from adapters.memory.templates import InMemoryTemplateRepository
from domain.templates import SmsPart, Template, Variant

NOW = datetime(2026, 12, 3, tzinfo=UTC)


class Timer:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def welcome(text: str) -> Template:
    return Template("lead.welcome", "", (), Variant(SmsPart(text), None), NOW, NOW)


async def test_a_miss_is_kept_for_the_ttl_like_a_template() -> None:
    timer, stored = Timer(), InMemoryTemplateRepository()
    cache = TemplateCache(5, timer)
    reader = CachingTemplateReader(stored, cache)
    assert await reader.get("lead.welcome") is None
    await stored.save(welcome("Hi"))  # by another process: this one is not told
    assert await reader.get("lead.welcome") is None
    timer.now = 6
    assert await reader.get("lead.welcome") == welcome("Hi")
    await stored.save(welcome("Hello"))
    assert await reader.get("lead.welcome") == welcome("Hi")
    cache.forget("lead.welcome")  # a change through this process
    assert await reader.get("lead.welcome") == welcome("Hello")


async def test_a_ttl_of_zero_keeps_nothing() -> None:
    stored = InMemoryTemplateRepository()
    reader = CachingTemplateReader(stored, TemplateCache(0))
    assert await reader.get("lead.welcome") is None
    await stored.save(welcome("Hi"))
    assert await reader.get("lead.welcome") == welcome("Hi")
