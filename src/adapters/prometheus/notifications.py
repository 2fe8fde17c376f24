"""The delivery metrics as Prometheus counters and a histogram (DeliveryMetrics, the
workers') and gauges (DispatchMetrics, the dispatcher's)."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from application.ports.notifications import AttemptOutcome
from domain.notifications import Status
from domain.preferences import Channel

# Seconds from due to accepted; 0.05 and 0.2 are the latency targets' p50 and p99.
LATENESS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
_CODE_MAX = 32  # provider codes are short; a longer one is cut rather than kept whole


class PrometheusDeliveryMetrics:
    """Registers its metrics in `registry`: one registry per container, so that each
    process (and each test) counts only its own delivery work."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._finished = Counter(
            "herald_notifications_finished_total",
            "Notifications the delivery engine is done with, by channel and status (sent, failed)",
            ("channel", "status"),
            registry=registry,
        )
        self._attempts = Counter(
            "herald_delivery_attempts_total",
            "Send attempts, by channel and outcome (accepted, transient, refused, error)",
            ("channel", "outcome"),
            registry=registry,
        )
        self._provider_errors = Counter(
            "herald_provider_errors_total",
            "Errors providers answered send attempts with, by provider and the provider's code",
            ("provider", "code"),
            registry=registry,
        )
        self._lateness = Histogram(
            "herald_delivery_lateness_seconds",
            "Time from a notification's due time to its provider accepting it, in seconds",
            ("channel",),
            buckets=LATENESS_BUCKETS,
            registry=registry,
        )

    def attempt_ended(self, channel: Channel, outcome: AttemptOutcome) -> None:
        self._attempts.labels(channel.value, outcome.value).inc()

    def provider_failed(self, provider: str, code: str | None) -> None:
        self._provider_errors.labels(provider, (code or "none")[:_CODE_MAX]).inc()

    def accepted_late(self, channel: Channel, seconds: float) -> None:
        self._lateness.labels(channel.value).observe(seconds)

    def delivery_ended(self, channel: Channel, status: Status) -> None:
        self._finished.labels(channel.value, status.value).inc()


class PrometheusDispatchMetrics:
    """The dispatcher's gauges, in the container's registry like the delivery metrics."""

    def __init__(self, registry: CollectorRegistry) -> None:
        # Set by the one dispatcher; "livemostrecent" keeps the newest value of a live
        # process should several processes share prometheus_client's multiprocess files.
        self._due = Gauge(
            "herald_notifications_due",
            "Notifications due and not yet handed to the workers",
            registry=registry,
            multiprocess_mode="livemostrecent",
        )
        self._lag = Gauge(
            "herald_dispatch_lag_seconds",
            "How long the earliest notification of the dispatcher's last round had been due "
            "when it was handed to the workers, in seconds (0: nothing was due)",
            registry=registry,
            multiprocess_mode="livemostrecent",
        )

    def handed_over(self, late_by_seconds: float) -> None:
        self._lag.set(late_by_seconds)

    def due_counted(self, count: int) -> None:
        self._due.set(count)
