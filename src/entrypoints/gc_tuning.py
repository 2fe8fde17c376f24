"""The cyclic garbage collector, tuned once a process has warmed up.

- The start-up heap is frozen: modules, the container and warmed-up clients live as long
  as the process; every full collection walked all of them, and those pauses were the
  latency spikes of timed sends (p99 221 ms -> 73-88 ms once frozen,
  bench/notify_latency.py).
- A young collection waits for 10,000 new objects instead of 700: a bulk of 1,000
  recipients makes about a hundred thousand, and with 32 of them in flight the default
  collected their live objects over and over (16,530 -> 20,880 recipients/s, peak RSS
  322 -> 359 MB; 50,000 gave 22,000/s for 513 MB; benchmarks section 11).
"""

import gc

YOUNG_THRESHOLD = 10_000


def tune_collector() -> None:
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
