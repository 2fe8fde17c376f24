"""The intent classifier's fallbacks as a Prometheus counter."""

from prometheus_client import CollectorRegistry, Counter


class PrometheusFallbackMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._fallbacks = Counter(
            "herald_intent_classifier_fallbacks_total",
            "Messages the local classifier read because Rasa failed, by reason "
            "(timeout, unavailable, unauthorized, bad_answer)",
            ("reason",),
            registry=registry,
        )

    def classifier_fell_back(self, reason: str) -> None:
        self._fallbacks.labels(reason).inc()
