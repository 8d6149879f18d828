"""What the bench scenarios share: the servers under test, each in its own process, a load of
signed requests at a fixed concurrency from this one, and percentiles."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.orgconfig import OrgConfig, load_config
from storage.db import SessionMaker, create_engine
from tests.bench.common import Row
from tests.bench.processes import ROOT, Child, spawn
from tests.bench.replica import SECRET
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_client import SlackClient


async def listen(app: web.Application) -> tuple[web.AppRunner, str]:
    """An app served in this process (the iCal bench's feed and its static baseline)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


@contextlib.asynccontextmanager
async def socialdesk(
    env: dict[str, str], fake: FakeSlackApi, *args: str
) -> AsyncIterator[tuple[Child, SlackClient]]:
    """A socialdesk replica in its own process (`env`: replica.bot_env), and a client that
    signs requests to it as Slack does."""
    async with spawn("tests.bench.replica", env, *args) as child:
        yield child, slack_client(child.url, fake)


@contextlib.asynccontextmanager
async def bare_bolt(url: str, fake: FakeSlackApi) -> AsyncIterator[tuple[Child, SlackClient]]:
    """The bare bolt baseline (tests/bench/bare.py) in its own process, started alike."""
    env = {
        "SOCIALDESK_DATABASE_URL": url,
        "SLACK_API_URL": fake.api_url,
        "SLACK_SIGNING_SECRET": SECRET,
    }
    async with spawn("tests.bench.bare", env) as child:
        yield child, slack_client(child.url, fake)


# Slack's trigger_id is an inbound event's key: two clients sending the same one (two
# replicas' clients, or a later one on the same database) would see the second taken for
# Slack's retry and dropped. So every client of the run counts from one sequence.
_TRIGGERS = itertools.count(1)


def slack_client(url: str, fake: FakeSlackApi) -> SlackClient:
    slack = SlackClient(url, SECRET, f"{fake.url}/response")
    slack._seq = _TRIGGERS
    return slack


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
