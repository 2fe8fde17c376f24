"""The accounts' housekeeping task: expired sessions are deleted on a schedule."""

from dishka.integrations.taskiq import FromDishka, inject
from taskiq import AsyncBroker

from application.accounts.purge_sessions import PurgeExpiredSessions
from entrypoints.settings import Settings


@inject(patch_module=True)
async def purge_expired_sessions(purge: FromDishka[PurgeExpiredSessions]) -> int:
    return await purge()


def register(broker: AsyncBroker, settings: Settings) -> None:
    broker.register_task(
        purge_expired_sessions,
        task_name="herald.purge_expired_sessions",
        schedule=[{"cron": settings.accounts.session_purge_cron}],
    )
