from typing import Protocol


class Jitter(Protocol):
    """A random fraction in [0, 1) that spreads retries out; tests pass a fixed one."""

    def __call__(self) -> float: ...
