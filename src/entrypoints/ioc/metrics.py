"""Bindings of the metrics: the delivery metrics of this container and what a scrape reads."""

from dishka import Provider, Scope, provide
from prometheus_client import CollectorRegistry

from adapters.prometheus.notifications import PrometheusDeliveryMetrics, PrometheusDispatchMetrics
from application.ports.notifications import DeliveryMetrics, DispatchMetrics
from entrypoints.scrape import Scrape, process_collector
from entrypoints.settings import Settings


class MetricsProvider(Provider):
    scope = Scope.APP

    delivery = provide(PrometheusDeliveryMetrics, provides=DeliveryMetrics)
    dispatch = provide(PrometheusDispatchMetrics, provides=DispatchMetrics)

    @provide
    def registry(self) -> CollectorRegistry:
        """This container's own: the delivery and dispatch metrics register in it when
        the use cases first need them, so a process exposes only those of its own work
        (a worker its sends, the scheduler its dispatcher, the embedded default both)."""
        return CollectorRegistry()

    @provide
    def scrape(self, settings: Settings, registry: CollectorRegistry) -> Scrape:
        return Scrape(settings.metrics_token, process_collector(registry))
