"""The embedded default's upstream: a deterministic stream of points in the upstream's
wire format, some tagged `system` or `suspect`, some an hour and more old."""

import math
import struct
from datetime import timedelta

from application.ports.clock import Clock

# The sample of the reference implementation's README: decodes to -0.19938130676746368.
FIRST_BYTES = (157, 42, 76, 190)
OLD_BY = timedelta(hours=2)


class SimulatedDataSource:
    """Point k (counting from 0 over the life of the source) is old when k % 10 == 9,
    tagged `system` when k % 7 == 3 and `suspect` when k % 13 == 5; its value is
    sin(k / 10) * 100 as little-endian float32 bytes (point 0 is the README sample)."""

    def __init__(self, clock: Clock, points_per_fetch: int = 1) -> None:
        self._clock = clock
        self._per_fetch = max(1, points_per_fetch)
        self._next = 0

    async def fetch(self) -> object:
        first, self._next = self._next, self._next + self._per_fetch
        points = [self.point(k) for k in range(first, self._next)]
        return points[0] if self._per_fetch == 1 else points

    def point(self, k: int) -> dict[str, object]:
        now = self._clock.now()
        moment = now - OLD_BY if k % 10 == 9 else now
        value = FIRST_BYTES if k == 0 else tuple(struct.pack("<f", math.sin(k / 10) * 100))
        tags = (["system"] if k % 7 == 3 else []) + (["suspect"] if k % 13 == 5 else [])
        # Microseconds plus k keep the times of one fetch apart, so none is a duplicate.
        return {"time": moment.timestamp() + k * 1e-6, "value": list(value), "tags": tags}
