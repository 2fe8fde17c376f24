"""Herald's tests. Under pytest-xdist (`-n 2`), each worker process gets a PostgreSQL
database and a Redis database of its own, so that one worker's emptying or flushing never
meets another's rows: the URLs are set here, before any test module reads them, and the
database is made on first use (`tests/conftest.py`)."""

import os

_worker = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1", ...
if _worker:
    _number = int(_worker.removeprefix("gw"))
    _database = os.environ.get(
        "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    os.environ["TEST_DATABASE_URL"] = f"{_database}_{_worker}"
    _redis, _, _db = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3").rpartition("/")
    os.environ["TEST_REDIS_URL"] = f"{_redis}/{int(_db) + 1 + _number}"
