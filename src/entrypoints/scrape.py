"""What a Prometheus scrape of this process answers, and who may ask for it.

One API process, a worker and the scheduler each answer from their own memory: the
request metrics (module-level, in prometheus_client's default registry) and the delivery
metrics of their container. Under `herald serve --workers N` the supervisor sets
PROMETHEUS_MULTIPROC_DIR before it starts the API processes, so prometheus_client keeps
every value in files there, and a scrape of any one process reads all of them.
"""

import hashlib
import hmac
import os
from collections.abc import Iterable

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own name for it
UNAUTHORIZED_DETAIL = "send 'Authorization: Bearer <HERALD_METRICS_TOKEN>' to read the metrics"
WWW_AUTHENTICATE = 'Bearer realm="herald-metrics"'


class _Both:
    def __init__(self, *collectors: Collector) -> None:
        self._collectors = collectors

    def collect(self) -> Iterable[Metric]:
        for collector in self._collectors:
            yield from collector.collect()


def process_collector(own: Collector) -> Collector:
    """The metrics of this process (the default registry and `own`), or in multiprocess
    mode those of every process sharing the directory: the files hold `own`'s values too."""
    path = os.environ.get(MULTIPROC_DIR_VARIABLE)
    if not path:
        return _Both(REGISTRY, own)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path)
    return registry


def _digest(value: str) -> bytes:
    # Hashing first makes the comparison's time independent of the length too.
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


class Scrape:
    """Renders the metrics in the format the scraper asks for (Prometheus text or
    OpenMetrics); with a token, only for `Authorization: Bearer <token>`."""

    def __init__(self, token: str | None, collector: Collector) -> None:
        self._token = None if token is None else _digest(token)
        self._collector = collector

    def allows(self, authorization: str | None) -> bool:
        if self._token is None:
            return True
        scheme, _, credentials = (authorization or "").partition(" ")
        given = _digest(credentials.strip())
        return hmac.compare_digest(given, self._token) and scheme.lower() == "bearer"

    def render(self, accept: str | None) -> tuple[bytes, str]:
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self._collector), content_type
