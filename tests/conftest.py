"""Fixtures that start real parts: a database (SQLite file or PostgreSQL), a fake Slack Web
API on loopback, and the bot's own aiohttp server on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot import migrate
from bot.clock import FrozenClock
from bot.orgconfig import OrgConfig, load_config
from bot.people.service import sync_organisation
from bot.server import RUNTIME, Runtime, create_app
from bot.settings import Settings
from storage.db import SessionMaker, create_engine, create_sessionmaker
from storage.models import Base
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_client import SlackClient

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "socialdesk.example.yaml"
SIGNING_SECRET = "test-signing-secret"
PG_URL = os.environ.get(
    "SOCIALDESK_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


# --- databases ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once, copy per test: every test gets a fresh, fully migrated SQLite file."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


async def _pg_reachable(url: str) -> str | None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = await asyncio.wait_for(asyncpg.connect(dsn), 5)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


# The test databases sort text as a German company's would (ICU de-DE: punctuation is not
# bytewise, ";" comes before ":"), so that nothing passes here only because the server's
# default collation happens to be C. A server built without ICU gets its default.
GERMAN = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'de-DE' LOCALE 'C.UTF-8'"


async def create_database(name: str) -> None:
    try:
        await _pg_admin(PG_URL, f'CREATE DATABASE "{name}" {GERMAN}')
    except asyncpg.PostgresError:
        await _pg_admin(PG_URL, f'CREATE DATABASE "{name}"')


async def _pg_admin(url: str, sql: str) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throwaway database on the machine's PostgreSQL, migrated once, dropped at the end."""
    problem = asyncio.run(_pg_reachable(PG_URL))
    if problem:
        message = f"PostgreSQL not reachable at {PG_URL} ({problem})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — CI must run the PostgreSQL tests", pytrace=False)
        pytest.skip(message + "; PostgreSQL tests skipped")
    name = f"socialdesk_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(create_database(name))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        asyncio.run(_pg_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every test that takes this runs twice: on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "socialdesk.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_database")
        asyncio.run(_truncate(url))
        yield url


@pytest.fixture
def org() -> OrgConfig:
    return load_config(EXAMPLE_CONFIG)


@pytest.fixture
async def sessions(database_url: str, org: OrgConfig) -> AsyncIterator[SessionMaker]:
    """A migrated database with the example organisation in it, for engine-level tests."""
    engine = create_engine(database_url)
    maker = create_sessionmaker(engine)
    async with maker.begin() as session:
        await sync_organisation(session, org)
    yield maker
    await engine.dispose()


# --- the bot and its Slack -----------------------------------------------------------------


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
def config_path() -> Path:
    return EXAMPLE_CONFIG


def make_settings(
    database_url: str,
    fake_slack: FakeSlackApi,
    tmp_path: Path,
    *,
    config: Path = EXAMPLE_CONFIG,
    **extra: Any,
) -> Settings:
    """The bot's settings for a test: this database, the fake Slack, files in `tmp_path`."""
    return Settings(
        _env_file=None,
        SOCIALDESK_DATABASE_URL=database_url,
        SOCIALDESK_CONFIG=config,
        SOCIALDESK_DATA_DIR=tmp_path / "files",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
        SOCIALDESK_OUTBOX_RETRY_BASE=0.05,
        **extra,
    )


@pytest.fixture
def settings(
    database_url: str, fake_slack: FakeSlackApi, config_path: Path, tmp_path: Path
) -> Settings:
    return make_settings(database_url, fake_slack, tmp_path, config=config_path)


@dataclass
class RunningBot:
    url: str
    runtime: Runtime
    slack: SlackClient
    clock: FrozenClock | None = None

    def advance(self, delta: timedelta) -> None:
        assert self.clock is not None, "started without a frozen clock"
        self.clock.set(self.clock.now() + delta)

    async def run_timers(self) -> int:
        """One scheduler round, as the leader replica would run it."""
        fired = await self.runtime.scheduler.runner.run_due()
        self.runtime.dispatcher.notify()
        return fired

    async def tick(self, at: datetime) -> int:
        assert self.clock is not None, "started without a frozen clock"
        self.clock.set(at)
        return await self.run_timers()


@contextlib.asynccontextmanager
async def serve(
    settings: Settings,
    fake_slack: FakeSlackApi,
    *,
    start: datetime | None = None,
    host: str | None = None,
    clock: FrozenClock | None = None,
) -> AsyncIterator[RunningBot]:
    """The real server on a free loopback port. With `start` (or a `clock` of the test's own),
    its clock is frozen there and its scheduler is off: the test moves time and runs the rounds
    itself. `host` is the address the app is told it serves (Teams' loopback rule); the socket
    is always on loopback."""
    if clock is None and start:
        clock = FrozenClock(start)
    if clock is not None:
        settings = settings.model_copy(update={"scheduler_enabled": False})
    app = create_app(settings, clock=clock, host=host)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    slack = SlackClient(url, SIGNING_SECRET, f"{fake_slack.url}/response")
    try:
        yield RunningBot(url, app[RUNTIME], slack, clock)
    finally:
        await runner.cleanup()


@pytest.fixture
async def bot(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[RunningBot]:
    """The real server on a free loopback port, with its dispatcher and scheduler running."""
    async with serve(settings, fake_slack) as running:
        yield running
