"""Real processes for the notification benchmarks (bench/) and the crash test (tests/e2e):
PostgreSQL (a database of our own), Redis (a queue name of our own), the timed Twilio
stub, `herald worker` and `herald scheduler`, all on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
from redis.asyncio import Redis
from sqlalchemy import insert, text

from adapters.sql.database import make_engine
from adapters.sql.migrate import upgrade
from adapters.sql.notifications import E, N
from application.accounts.sign_up import CreateAdmin, SignUp, SignUpCommand
from application.preferences.update_preferences import UpdatePreferences, UpdatePreferencesCommand
from domain.ids import new_id
from entrypoints.ioc import make_container
from entrypoints.settings import Settings
from tests.support.processes import free_port
from tests.support.redis import REDIS_URL
from tests.support.stubs.sendgrid import API_KEY as SENDGRID_API_KEY
from tests.support.stubs.twilio import ACCOUNT_SID, AUTH_TOKEN

ROOT = Path(__file__).resolve().parents[2]
# The server of the test database (TEST_DATABASE_URL); we create our own database on it.
_PG = urlsplit(
    os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
)
PG_ADMIN = urlunsplit(("postgresql", _PG.netloc, "/postgres", "", ""))
SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
PHONE = "+15105550100"
PYTHON_CLI = [sys.executable, "-c", "from entrypoints.cli import main; main()"]


class Cluster:
    def __init__(
        self,
        db_name: str,
        *,
        workers: int = 1,
        concurrency: int = 50,
        env: dict[str, str] | None = None,
        log_dir: Path | None = None,
        email: bool = False,
    ) -> None:
        if not db_name.startswith("notify_"):
            raise ValueError("benchmark databases are named notify_*")
        self.db_name = db_name
        self.db_url = urlunsplit(("postgresql+asyncpg", _PG.netloc, f"/{db_name}", "", ""))
        self.workers_count = workers
        self.concurrency = concurrency
        self.queue = f"bench-{uuid.uuid4().hex[:8]}"
        self.stub_port = free_port()
        self.stub_url = f"http://127.0.0.1:{self.stub_port}"
        self.extra_env = env or {}
        self.log_dir = log_dir or Path(os.environ.get("TMPDIR", "/tmp")) / f"herald-{self.queue}"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.stub: subprocess.Popen[bytes] | None = None
        # With `email`, email goes to a SendGrid stub too (otherwise it is off).
        self.email_stub_port = free_port() if email else None
        self.email_stub: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.scheduler: subprocess.Popen[bytes] | None = None
        self.api: subprocess.Popen[bytes] | None = None
        self.user_id: uuid.UUID | None = None

    def settings_env(self) -> dict[str, str]:
        return {
            "HERALD_DATABASE_URL": self.db_url,
            "HERALD_BROKER_URL": REDIS_URL,
            "HERALD_JWT_SECRET": SECRET,
            "HERALD_TASK_QUEUE": self.queue,
            "HERALD_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "HERALD_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "HERALD_TWILIO_FROM_NUMBER": "+15005550006",
            "HERALD_TWILIO_BASE_URL": self.stub_url,
            **self._email_env(),
            "HERALD_LOG_LEVEL": "WARNING",
            **self.extra_env,
        }

    def _email_env(self) -> dict[str, str]:
        if self.email_stub_port is None:
            return {"HERALD_EMAIL_PROVIDER": "none"}
        return {
            "HERALD_EMAIL_PROVIDER": "sendgrid",
            "HERALD_SENDGRID_API_KEY": SENDGRID_API_KEY,
            "HERALD_SENDGRID_FROM_EMAIL": "bench@example.com",
            "HERALD_SENDGRID_BASE_URL": f"http://127.0.0.1:{self.email_stub_port}",
        }

    def settings(self) -> Settings:
        env = self.settings_env()
        return Settings.from_env(
            env
            | {
                "HERALD_ARGON2_TIME_COST": "1",
                "HERALD_ARGON2_MEMORY_KIB": "1024",
                "HERALD_ARGON2_PARALLELISM": "1",
            }
        )

    def _spawn(self, name: str, args: Sequence[str]) -> subprocess.Popen[bytes]:
        env = {**os.environ, **self.settings_env(), "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
        log = (self.log_dir / f"{name}.log").open("ab")
        return subprocess.Popen(list(args), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    async def create_database(self) -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{self.db_name}"')
        finally:
            await conn.close()
        engine = make_engine(self.db_url)
        await upgrade(engine)
        await engine.dispose()

    async def seed_user(self) -> uuid.UUID:
        container = make_container(self.settings())
        try:
            async with container() as request:
                user = await (await request.get(SignUp))(SignUpCommand("bench", "bench-password"))
            async with container() as request:
                update = await request.get(UpdatePreferences)
                await update(UpdatePreferencesCommand(user.id, notify_pref="sms", phone=PHONE))
        finally:
            await container.close()
        self.user_id = user.id
        return user.id

    async def seed_admin(self, username: str = "bench-admin") -> None:
        container = make_container(self.settings())
        try:
            async with container() as request:
                await (await request.get(CreateAdmin))(SignUpCommand(username, "bench-password"))
        finally:
            await container.close()

    async def agent_on_topic(self, client: httpx.AsyncClient, topic: str) -> dict[str, str]:
        """The seeded user "bench" made an agent by an admin (seeded here) and subscribed
        to the staff topic `topic` by itself, as agents do: its authorization header."""
        await self.seed_admin()
        admin = await login_headers(client, "bench-admin")
        found = await client.get("/admin/users", params={"q": "bench"}, headers=admin)
        assert found.status_code == 200, found.text
        ids = [u["id"] for u in found.json()["items"] if u["username"] == "bench"]
        assert len(ids) == 1, found.text
        made = await client.patch(f"/admin/users/{ids[0]}", json={"role": "agent"}, headers=admin)
        assert made.status_code == 200, made.text
        assert made.json()["role"] == "agent", made.text
        agent = await login_headers(client, "bench")
        joined = await client.put(f"/me/topics/{topic}", headers=agent)
        assert joined.status_code in (200, 201), joined.text
        return agent

    async def seed_audience(
        self, topic: str, count: int, *, subscribe: bool = True, emails: bool = False
    ) -> list[str]:
        """A topic of `count` subscribers, each a recipient reached by SMS only (with
        `emails`, every second one by email only), written in bulk: writing them is not
        what a fan-out benchmark measures. With `subscribe` False, the recipients alone.
        Returns their external ids."""
        async with self._database() as conn:
            await conn.execute(
                """
                INSERT INTO recipients (id, external_id, phone, email, email_on, sms_on,
                    sms_opted_out, phone_verified, created_at, updated_at)
                SELECT gen_random_uuid(), $1::text || '-' || lpad(i::text, 6, '0'),
                    '+1415' || lpad(i::text, 7, '0'), 'r' || i || '@example.com',
                    by_email, NOT by_email, false, false, now(), now()
                FROM generate_series(1, $2) AS i, LATERAL (SELECT $3 AND i % 2 = 0) AS e(by_email)
                """,
                topic,
                count,
                emails,
            )
            await conn.execute(
                "INSERT INTO topics VALUES ($1::text, $1::text, '', false, now(), now())", topic
            )
            if subscribe:
                await conn.execute(
                    """
                    INSERT INTO topic_subscriptions (topic_key, recipient_id, created_at)
                    SELECT $1::text, id, now() FROM recipients
                    WHERE external_id LIKE $1::text || '-%'
                    """,
                    topic,
                )
            await conn.execute("VACUUM ANALYZE recipients, topic_subscriptions")
        return [f"{topic}-{i:06}" for i in range(1, count + 1)]

    async def fanout_sent(self, fanout_id: str) -> tuple[int, float, float]:
        """How many of a fan-out's notifications are sent, and the first and last time one
        became sent (unix seconds): both channels, from the database."""
        async with self._database() as conn:
            row = await conn.fetchrow(
                "SELECT count(*), extract(epoch FROM min(updated_at)), "
                "extract(epoch FROM max(updated_at)) FROM notifications "
                "WHERE fanout_id = $1 AND status = 'sent'",
                uuid.UUID(fanout_id),
            )
        assert row is not None
        return int(row[0]), float(row[1] or 0), float(row[2] or 0)

    async def fanout_status(self, fanout_id: str) -> str:
        async with self._database() as conn:
            status = await conn.fetchval(
                "SELECT status FROM fanouts WHERE id = $1", uuid.UUID(fanout_id)
            )
        return str(status)

    @contextlib.asynccontextmanager
    async def _database(self) -> AsyncIterator[asyncpg.Connection]:
        conn = await asyncpg.connect(self.db_url.replace("+asyncpg", ""))
        try:
            yield conn
        finally:
            await conn.close()

    async def fanout_rows(self, fanout_id: str) -> dict[str, int]:
        """A fan-out's notifications in the database: by status, and how many distinct
        (recipient, channel) pairs they are for."""
        async with self._database() as conn:
            rows = await conn.fetch(
                "SELECT status, count(*) FROM notifications WHERE fanout_id = $1 GROUP BY status",
                uuid.UUID(fanout_id),
            )
            pairs = await conn.fetchval(
                "SELECT count(DISTINCT (recipient_id, channel)) FROM notifications "
                "WHERE fanout_id = $1",
                uuid.UUID(fanout_id),
            )
        return {**{str(r[0]): int(r[1]) for r in rows}, "pairs": int(pairs)}

    def start_stub(self) -> None:
        if self.email_stub_port is not None:
            self.email_stub = self._spawn(
                "email-stub",
                [
                    sys.executable,
                    "-m",
                    "tests.support.stubs.sendgrid",
                    "--port",
                    str(self.email_stub_port),
                ],
            )
        self.stub = self._spawn(
            "stub",
            [
                sys.executable,
                "-m",
                "tests.support.timed_twilio_stub",
                "--port",
                str(self.stub_port),
            ],
        )

    def start_workers(self) -> None:
        self.workers = [
            self._spawn(
                f"worker{i}", [*PYTHON_CLI, "worker", "--concurrency", str(self.concurrency)]
            )
            for i in range(self.workers_count)
        ]

    def start_api(self, port: int, processes: int = 1) -> None:
        """`herald serve` on `port`; with `processes` above 1, a supervisor of that many
        API processes sharing the port (as the compose file runs two)."""
        args = [*PYTHON_CLI, "serve", "--port", str(port)]
        if processes > 1:
            args += ["--workers", str(processes)]
        self.api = self._spawn("api", args)

    def start_scheduler(self) -> None:
        self.scheduler = self._spawn("scheduler", [*PYTHON_CLI, "scheduler"])

    async def admin_api(self) -> httpx.AsyncClient:
        """Start the API process and return a client of it logged in as an admin (made by
        `seed_admin`); the caller closes it."""
        port = free_port()
        self.start_api(port)
        client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60)
        await wait_for_api(client)
        login = {"username": "bench-admin", "password": "bench-password"}
        token = (await client.post("/auth/login", json=login)).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        return client

    async def start(self) -> None:
        await self.create_database()
        await self.seed_user()
        self.start_stub()
        self.start_workers()
        self.start_scheduler()
        await self.wait_for_stub()
        await self.wait_until_ready()

    async def wait_until_ready(self, limit_seconds: float = 60.0) -> None:
        """Until each worker reads the stream and the scheduler listens for wake-ups."""
        redis = Redis.from_url(REDIS_URL)
        alive = [w for w in self.workers if w.poll() is None]
        try:
            deadline = time.monotonic() + limit_seconds
            while time.monotonic() < deadline:
                subscribed = (await redis.pubsub_numsub(f"{self.queue}:wakeup"))[0][1]
                # A blocked XREADGROUP per worker (this Redis lists a consumer only once it
                # has been given a message).
                clients = await redis.client_list()
                reading = [c for c in clients if c.get("cmd") == "xreadgroup"]
                if subscribed >= 1 and len(reading) >= len(alive):
                    return
                await asyncio.sleep(0.1)
            raise RuntimeError(
                "the worker or the scheduler did not start; see " + str(self.log_dir)
            )
        finally:
            await redis.aclose()

    async def wait_for_stub(self) -> None:
        urls = [f"{self.stub_url}/_stub/count"]
        if self.email_stub_port is not None:
            urls.append(f"http://127.0.0.1:{self.email_stub_port}/")
        async with httpx.AsyncClient() as client:
            for url in urls:
                for _ in range(200):
                    try:
                        await client.get(url)
                        break
                    except httpx.HTTPError:
                        await asyncio.sleep(0.05)
                else:
                    raise RuntimeError(f"the stub at {url} did not start")

    async def received(
        self, since: int = 0, client: httpx.AsyncClient | None = None
    ) -> list[tuple[float, str]]:
        """What the stub received, from the `since`-th message on; through `client` when
        polling (a client per call costs the load generator's CPU)."""
        if client is None:
            async with httpx.AsyncClient(timeout=30) as own:
                return await self.received(since, own)
        response = await client.get(f"{self.stub_url}/_bench/received", params={"from": since})
        return [(float(t), str(b)) for t, b in response.json()]

    async def wait_for_received(self, count: int, limit_seconds: float = 120.0) -> None:
        deadline = time.monotonic() + limit_seconds
        while time.monotonic() < deadline:
            if await self.received_count() >= count:
                return
            await asyncio.sleep(0.1)

    async def received_count(self) -> int:
        async with httpx.AsyncClient(timeout=30) as client:
            return int((await client.get(f"{self.stub_url}/_stub/count")).json()["count"])

    async def insert_due(self, due_times: Sequence[datetime], batch: int = 2000) -> list[uuid.UUID]:
        """Write notifications (rows and their first event) in bulk, then wake the scheduler,
        as ScheduleNotification would; bulk so that writing them is not what we measure."""
        assert self.user_id is not None
        now = datetime.now(UTC)
        refs = [new_id() for _ in due_times]
        rows = [
            {
                "id": ref,
                "group_id": ref,
                "user_id": self.user_id,
                "created_by": self.user_id,
                "channel": "sms",
                "recipient": PHONE,
                "title": None,
                "text": f"due={due.timestamp():.6f} ref={ref}",
                "sendtime": due,
                "due_at": due,
                "status": "scheduled",
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
            for ref, due in zip(refs, due_times, strict=True)
        ]
        engine = make_engine(self.db_url)
        try:
            for start in range(0, len(rows), batch):
                chunk = rows[start : start + batch]
                async with engine.begin() as conn:
                    await conn.execute(insert(N), chunk)
                    await conn.execute(
                        insert(E),
                        [
                            {
                                "notification_id": r["id"],
                                "status": "scheduled",
                                "at": now,
                                "detail": None,
                            }
                            for r in chunk
                        ],
                    )
        finally:
            await engine.dispose()
        redis = Redis.from_url(REDIS_URL)
        await redis.publish(f"{self.queue}:wakeup", b"1")
        await redis.aclose()
        return refs

    async def status_counts(self) -> dict[str, int]:
        engine = make_engine(self.db_url)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    text("SELECT status, count(*) FROM notifications GROUP BY status")
                )
                return {str(r[0]): int(r[1]) for r in rows}
        finally:
            await engine.dispose()

    def cpu(self) -> dict[str, Any]:
        processes = {"scheduler": self.scheduler, "stub": self.stub, "email_stub": self.email_stub}
        processes |= {f"worker{i}": w for i, w in enumerate(self.workers)}
        usage: dict[str, Any] = {
            name: cpu_seconds(p.pid) for name, p in processes.items() if p and p.poll() is None
        }
        usage["postgres"] = postgres_cpu_seconds()
        return usage

    def kill(self, process: subprocess.Popen[bytes] | None) -> None:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        for process in [self.api, self.scheduler, *self.workers, self.stub, self.email_stub]:
            if process is not None and process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for process in [self.api, self.scheduler, *self.workers, self.stub, self.email_stub]:
            if process is not None:
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    self.kill(process)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: how busy the machine was (others too)."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_for_api(client: httpx.AsyncClient) -> None:
    """Until the API at the client's base URL answers `/health/ready` (30 s at most)."""
    for _ in range(300):
        try:
            if (await client.get("/health/ready")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"the API at {client.base_url} did not become ready")


def tree_cpu_seconds(pid: int) -> float:
    """`cpu_seconds` of a process and of its running children (an API supervisor's)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # exited meanwhile
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return cpu_seconds(pid) + sum(cpu_seconds(c) for c in children)


def postgres_cpu_seconds() -> dict[int, float]:
    """CPU time of every postgres process by pid (the benchmark's backends among them)."""
    return command_cpu_seconds("postgres")


def command_cpu_seconds(command: str) -> dict[int, float]:
    """CPU time by pid of every process whose command name is `command`."""
    usage: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == command:
                        usage[int(entry)] = cpu_seconds(int(entry))
            except OSError:
                continue
    return usage


async def login_headers(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    """A seeded user's (password "bench-password") bearer header."""
    login = await client.post(
        "/auth/login", json={"username": username, "password": "bench-password"}
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def cpu_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
    """Seconds of CPU per process between two `Cluster.cpu()` readings."""
    delta = {k: round(v - before.get(k, 0.0), 2) for k, v in after.items() if k != "postgres"}
    pg_before, pg_after = before["postgres"], after["postgres"]
    delta["postgres"] = round(sum(v - pg_before.get(pid, 0.0) for pid, v in pg_after.items()), 2)
    return delta


def parse_body(body: str) -> tuple[float, str]:
    """(due unix time, notification id) from an SMS body written by `insert_due`."""
    due, ref = body.split()
    return float(due.removeprefix("due=")), ref.removeprefix("ref=")


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p90_ms": round(percentile(values, 90) * 1000, 1),
        "p99_ms": round(percentile(values, 99) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1) if values else None,
    }
