"""What an operator polls: /metrics (Prometheus text), /readyz (database reachable, schema at
head) and /healthz (alive, without the database), on the real server."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, text

from bot import ops
from bot.clock import SystemClock
from bot.metrics import REGISTRY
from bot.settings import Settings
from bot.timers.service import TimerContext, on_timer, schedule
from storage.db import create_engine
from storage.models import OutboxMessage
from tests.conftest import RunningBot, serve
from tests.fakes.slack_api import FakeSlackApi
from tests.support import eventually, eventually_async, people_on_slack

CARLA = "U0CARLA"
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@on_timer("test.ops.ping")
async def _ping(ctx: TimerContext) -> None:
    """A timer that does nothing and succeeds."""


@on_timer("test.ops.broken")
async def _broken(ctx: TimerContext) -> None:
    raise RuntimeError("handler bug")


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


async def scrape(bot: RunningBot) -> Samples:
    """Every sample of /metrics, parsed as Prometheus parses it."""
    status, content_type, body = await get(f"{bot.url}/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def sample(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


@pytest.fixture
async def frozen_bot(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[RunningBot]:
    people_on_slack(fake_slack)
    async with serve(settings, fake_slack, start=START) as running:
        yield running


async def test_metrics_show_the_outbox_as_the_database_has_it(
    frozen_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    bot = frozen_bot
    fake_slack.fail("chat.postMessage", status=503, retry_after=None, times=10_000)
    resp = await bot.slack.command(CARLA, "/submit", "Neuer Beitrag zur Messe in Köln")
    assert resp.status == 200
    await eventually(lambda: fake_slack.calls_to("chat.postMessage"))  # Ben's card: refused
    bot.advance(timedelta(minutes=10))

    async def in_database() -> dict[str, int]:
        async with bot.runtime.sessions() as session:
            rows = await session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            )
            return {status: count for status, count in rows.all()}

    async def metrics_match() -> bool:
        samples = await scrape(bot)
        rows = await in_database()
        shown = {
            status: sample(samples, "socialdesk_outbox_messages", status=status) or 0
            for status in {"pending", "sent", "failed", "expired", "unreachable", *rows}
        }
        return shown == {status: rows.get(status, 0) for status in shown}

    await eventually_async(metrics_match)
    samples = await scrape(bot)
    # Ben's card and Carla's status message
    assert sample(samples, "socialdesk_outbox_messages", status="pending") == 2
    assert sample(samples, "socialdesk_outbox_oldest_pending_seconds") == 600
    assert sample(samples, "socialdesk_database_up") == 1


async def test_metrics_count_timers_due_fired_and_failed(frozen_bot: RunningBot) -> None:
    bot = frozen_bot
    async with bot.runtime.sessions.begin() as session:
        for kind in ("test.ops.ping", "test.ops.broken"):
            await schedule(session, kind=kind, key=f"{kind}:1", due_at=START, now=START)
    before = await scrape(bot)
    assert await bot.run_timers() == 1
    after = await scrape(bot)

    def grew(kind: str, outcome: str) -> float:
        labels = {"kind": kind, "outcome": outcome}
        was = sample(before, "socialdesk_timers_total", **labels) or 0
        return (sample(after, "socialdesk_timers_total", **labels) or 0) - was

    assert (grew("test.ops.ping", "due"), grew("test.ops.ping", "fired")) == (1, 1)
    assert grew("test.ops.ping", "failed") == 0
    assert (grew("test.ops.broken", "due"), grew("test.ops.broken", "failed")) == (1, 1)
    assert grew("test.ops.broken", "fired") == 0


async def test_metrics_show_which_replica_runs_the_scheduler(
    settings: Settings, fake_slack: FakeSlackApi
) -> None:
    async with serve(settings, fake_slack) as bot:
        leadership = bot.runtime.scheduler.leadership
        if bot.runtime.db.dialect.name == "sqlite":  # one process: always the leader
            await eventually_async(lambda: _leader(bot, 1.0), within=10)  # after the first round
        else:  # another test run on the shared server may hold the lock
            await eventually_async(lambda: _leader(bot, 1.0 if leadership.held else 0.0))
    assert REGISTRY.get_sample_value("socialdesk_scheduler_leader") == 0  # stopped: leads nothing


async def _leader(bot: RunningBot, expected: float) -> bool:
    return sample(await scrape(bot), "socialdesk_scheduler_leader") == expected


async def test_readyz_on_a_migrated_database_and_healthz_without_one(bot: RunningBot) -> None:
    status, _, body = await get(f"{bot.url}/readyz")
    assert (status, body) == (200, '{"status": "ready"}')
    status, _, body = await get(f"{bot.url}/healthz")
    assert status == 200 and '"status": "ok"' in body


async def test_healthz_answers_while_the_database_is_unreachable(bot: RunningBot) -> None:
    """Alive is not ready: an orchestrator must not restart a replica for a database outage."""
    working, bot.runtime.db = bot.runtime.db, create_engine("postgresql://desk@127.0.0.1:1/desk")
    try:
        status, _, body = await get(f"{bot.url}/healthz")
    finally:
        await bot.runtime.db.dispose()
        bot.runtime.db = working
    assert status == 200 and '"status": "ok"' in body


async def test_readyz_refuses_a_database_behind_the_code(bot: RunningBot) -> None:
    async with bot.runtime.db.begin() as conn:
        head = await conn.scalar(text("SELECT version_num FROM alembic_version"))
        await conn.execute(text("UPDATE alembic_version SET version_num = '0008_attachment_sizes'"))
    try:
        status, _, body = await get(f"{bot.url}/readyz")
    finally:
        async with bot.runtime.db.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert status == 503
    assert f"database schema at 0008_attachment_sizes, this code needs {head}" in body
    assert "socialdesk migrate" in body


@pytest.fixture
async def ops_on_a_dead_database() -> AsyncIterator[str]:
    """The operator endpoints of a replica whose database refuses connections."""
    db = create_engine("postgresql://desk:geheim@127.0.0.1:1/desk")
    app = web.Application()
    ops.mount(app, db=db, clock=SystemClock())
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
        await db.dispose()


async def test_without_a_database_readyz_says_why_and_metrics_still_answer(
    ops_on_a_dead_database: str,
) -> None:
    status, _, body = await get(f"{ops_on_a_dead_database}/readyz")
    assert status == 503 and "database not reachable" in body and "geheim" not in body
    status, _, body = await get(f"{ops_on_a_dead_database}/metrics")
    samples: dict[str, Any] = {
        s.name: s.value for f in text_string_to_metric_families(body) for s in f.samples
    }
    assert status == 200 and samples["socialdesk_database_up"] == 0
    assert math.isnan(samples["socialdesk_outbox_oldest_pending_seconds"])
    assert "socialdesk_outbox_messages" not in samples  # no number rather than a stale one
