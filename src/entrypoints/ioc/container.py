"""The one composition root, shared by the API, the worker, the scheduler, the CLI and tests."""

from dishka import AsyncContainer, Provider, make_async_container
from dishka.integrations.litestar import LitestarProvider
from dishka.integrations.taskiq import TaskiqProvider

from entrypoints.ioc.accounts import AccountsProvider
from entrypoints.ioc.api_keys import ApiKeysProvider
from entrypoints.ioc.datapoints import DataPointsProvider
from entrypoints.ioc.fanouts import FanoutsProvider
from entrypoints.ioc.infrastructure import InfrastructureProvider
from entrypoints.ioc.leads import LeadsProvider
from entrypoints.ioc.messaging import MessagingProvider
from entrypoints.ioc.notifications import NotificationsProvider, SendersProvider
from entrypoints.ioc.phone_lookup import PhoneLookupProvider
from entrypoints.ioc.preferences import PreferencesProvider
from entrypoints.ioc.recipients import RecipientsProvider
from entrypoints.ioc.subscriptions import SubscriptionsProvider
from entrypoints.ioc.templates import TemplatesProvider
from entrypoints.ioc.tickets import TicketsProvider
from entrypoints.ioc.topics import TopicsProvider
from entrypoints.settings import Settings


def make_container(settings: Settings, *overrides: Provider) -> AsyncContainer:
    """Build the container; providers in `overrides` replace earlier bindings of the same type."""
    return make_async_container(
        InfrastructureProvider(),
        # One line per capability.
        AccountsProvider(),
        ApiKeysProvider(),
        RecipientsProvider(),
        PreferencesProvider(),
        NotificationsProvider(),
        SendersProvider(),
        PhoneLookupProvider(),
        DataPointsProvider(),
        TemplatesProvider(),
        TopicsProvider(),
        FanoutsProvider(),
        SubscriptionsProvider(),
        MessagingProvider(),
        LeadsProvider(),
        TicketsProvider(),
        LitestarProvider(),
        TaskiqProvider(),
        *overrides,
        # The whole settings for the entrypoints, and each group for the providers that need it.
        context={Settings: settings, **{type(group): group for group in settings.groups()}},
    )
