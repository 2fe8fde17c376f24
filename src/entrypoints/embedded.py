"""First-start chores of the embedded default: a generated JWT secret, the schema, an admin.

Nothing here has a fixed default credential: the secret and the admin password are made
on first start, and the password is printed once, then never again.
"""

import secrets
from pathlib import Path

import msgspec
from dishka import AsyncContainer
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.migrate import upgrade
from application.accounts.sign_up import CreateAdmin, SignUpCommand
from application.ports.accounts import UserRepository
from entrypoints.settings import Settings

ADMIN_USERNAME = "admin"


def with_local_secret(settings: Settings) -> Settings:
    """Use HERALD_JWT_SECRET if given, else a secret generated once into the data dir.

    The data dir, the secret and the SQLite file are made readable by their owner only:
    the file holds password hashes and every message. SQLite gives its -wal and -shm
    files the database file's permissions."""
    data_dir = Path(settings.mode.data_dir)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if settings.database.url.startswith("sqlite"):
        db_path = settings.database.url.split("///", 1)[-1]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            Path(db_path).touch(mode=0o600)
    if settings.accounts.jwt_secret:
        return settings
    path = data_dir / "jwt-secret"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
        print(f"Herald: generated a JWT signing secret in {path} (kept for later starts).")
    accounts = msgspec.structs.replace(settings.accounts, jwt_secret=path.read_text().strip())
    return msgspec.structs.replace(settings, accounts=accounts)


async def prepare(container: AsyncContainer) -> str | None:
    """Migrate, and create the first admin if there is none; returns its new password."""
    await upgrade(await container.get(AsyncEngine))
    async with container() as request:
        if await (await request.get(UserRepository)).any_admin():
            return None
        password = secrets.token_urlsafe(18)
        create_admin = await request.get(CreateAdmin)
        await create_admin(SignUpCommand(ADMIN_USERNAME, password))
        return password
