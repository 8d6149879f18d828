"""What the bench scenarios share: the real server on a free port, a load of signed requests
at a fixed concurrency, and percentiles."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.orgconfig import OrgConfig, load_config
from bot.server import RUNTIME, Runtime, create_app
from bot.settings import Settings
from storage.db import SessionMaker, create_engine
from tests.bench.common import Row
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_client import SlackClient

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-secret"


def settings_for(url: str, fake: FakeSlackApi, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,
        SOCIALDESK_DATABASE_URL=url,
        SOCIALDESK_CONFIG=extra.pop("config", ROOT / "socialdesk.example.yaml"),
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        SOCIALDESK_SCHEDULER=False,
        **extra,
    )


async def listen(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


@contextlib.asynccontextmanager
async def socialdesk(
    settings: Settings, fake: FakeSlackApi
) -> AsyncIterator[tuple[Runtime, SlackClient]]:
    app = create_app(settings)
    runner, url = await listen(app)
    try:
        yield app[RUNTIME], SlackClient(url, SECRET, f"{fake.url}/response")
    finally:
        await runner.cleanup()


async def load(
    requests: list[Callable[[], Awaitable[Any]]], concurrency: int
) -> tuple[float, list[float]]:
    """Run the requests `concurrency` at a time; the wall time and each request's latency."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one(request: Callable[[], Awaitable[Any]]) -> None:
        async with gate:
            started = time.perf_counter()
            await request()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one(r) for r in requests))
    return time.perf_counter() - started, latencies


def percentile(values: list[float], p: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


async def until(predicate: Callable[[], bool], within: float = 900.0) -> float:
    """Wait for the predicate; the time it became true (perf_counter)."""
    deadline = time.perf_counter() + within
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"bench condition not met within {within}s")
        await asyncio.sleep(0.002)
    return time.perf_counter()


REPEATS = 7
Measure = Callable[[AsyncEngine, OrgConfig, str, int], Awaitable[list[Row]]]


async def per_database(n: int, urls: list[tuple[str, str]], measure: Measure) -> list[Row]:
    """`measure` on each database (`urls`: label, migrated and empty), the example
    organisation, `n` items; every engine disposed of afterwards."""
    org = load_config(ROOT / "socialdesk.example.yaml")
    rows: list[Row] = []
    for label, url in urls:
        engine = create_engine(url)
        try:
            rows += await measure(engine, org, label, n)
        finally:
            await engine.dispose()
    return rows


async def median_ms(
    maker: SessionMaker, work: Callable[[AsyncSession], Awaitable[object]]
) -> float:
    """Each round in a fresh session, as a handler gets one; one warm-up round first."""
    times = []
    for round_ in range(REPEATS + 1):
        async with maker() as session:
            started = time.perf_counter()
            await work(session)
            elapsed = time.perf_counter() - started
        if round_:
            times.append(elapsed * 1000)
    return statistics.median(times)
