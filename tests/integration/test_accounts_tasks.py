"""Taskiq tasks run through the same container as the API (in-memory broker)."""

from dishka import AsyncContainer
from taskiq import AsyncBroker

from application.accounts.log_in import LogIn, LogInCommand
from application.accounts.sign_up import SignUp, SignUpCommand
from application.accounts.tokens import TokenPair
from application.ports.accounts import SessionRepository, TokenIssuer
from entrypoints.settings import Settings
from entrypoints.tasks.scheduler import make_scheduler


async def test_purge_task_runs_through_the_container(
    settings: Settings, container: AsyncContainer
) -> None:
    async with container() as request:
        await (await request.get(SignUp))(SignUpCommand("ann", "password123"))
        pair = await (await request.get(LogIn))(LogInCommand("ann", "password123", "c"))
        assert isinstance(pair, TokenPair)  # no two-factor sign-in
    broker = await container.get(AsyncBroker)
    await broker.startup()
    purge = broker.find_task("herald.purge_expired_sessions")
    assert purge is not None
    task = await purge.kiq()
    result = await task.wait_result(timeout=5)
    assert result.return_value == 0  # nothing expired yet
    await broker.shutdown()
    async with container() as request:
        issuer = await request.get(TokenIssuer)
        token = await (await request.get(SessionRepository)).get_token_by_hash(
            issuer.hash_refresh_token(pair.refresh_token)
        )
        assert token is not None


async def test_schedule_is_registered(settings: Settings, container: AsyncContainer) -> None:
    broker = await container.get(AsyncBroker)
    source = make_scheduler(broker).sources[0]
    await source.startup()
    schedules = await source.get_schedules()
    purge = [s for s in schedules if s.task_name == "herald.purge_expired_sessions"]
    assert [s.cron for s in purge] == [settings.accounts.session_purge_cron]
