"""The one composition root, shared by the API, the worker, the scheduler, the CLI and tests."""

from dishka import AsyncContainer, Provider, make_async_container
from dishka.integrations.litestar import LitestarProvider
from dishka.integrations.taskiq import TaskiqProvider

from entrypoints.ioc.datapoints import DataPointProvider
from entrypoints.ioc.metrics import MetricsProvider
from entrypoints.ioc.notifications import NotificationProvider
from entrypoints.ioc.providers import AdapterProvider, InfrastructureProvider, UseCaseProvider
from entrypoints.ioc.senders import SenderProvider
from entrypoints.settings import Settings


def make_container(settings: Settings, *overrides: Provider) -> AsyncContainer:
    """Build the container; providers in `overrides` replace earlier bindings of the same type."""
    return make_async_container(
        InfrastructureProvider(),
        AdapterProvider(),
        SenderProvider(),
        NotificationProvider(),
        UseCaseProvider(),
        DataPointProvider(),
        MetricsProvider(),
        LitestarProvider(),
        TaskiqProvider(),
        *overrides,
        context={Settings: settings},
    )
