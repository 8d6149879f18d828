"""Durable timers fire once: across rounds, restarts and two replicas on one database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.clock import FrozenClock
from bot.orgconfig import OrgConfig
from bot.timers.runner import MAX_ATTEMPTS, TimerRunner
from bot.timers.service import TimerContext, cancel, on_timer, schedule
from storage.db import SessionMaker
from storage.models import Timer

FIRED: list[str] = []
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@on_timer("test.ping")
async def _ping(ctx: TimerContext) -> None:
    await asyncio.sleep(0.01)  # widen the window in which a second replica could interfere
    FIRED.append(ctx.timer.key)


@on_timer("test.broken")
async def _broken(ctx: TimerContext) -> None:
    raise RuntimeError("handler bug")


async def _schedule(sessions: SessionMaker, kind: str, key: str, due: datetime) -> None:
    async with sessions.begin() as session:
        await schedule(session, kind=kind, key=key, due_at=due, now=START)


async def test_timer_fires_once_when_due(sessions: SessionMaker, org: OrgConfig) -> None:
    FIRED.clear()
    clock = FrozenClock(START)
    await _schedule(sessions, "test.ping", "t:1", START + timedelta(minutes=5))
    await _schedule(
        sessions, "test.ping", "t:1", START + timedelta(minutes=10)
    )  # moved, not doubled
    runner = TimerRunner(sessions, org, clock)
    assert await runner.run_due() == 0
    clock.set(START + timedelta(minutes=9))
    assert await runner.run_due() == 0
    clock.set(START + timedelta(minutes=10))
    assert await runner.run_due() == 1
    assert await TimerRunner(sessions, org, clock).run_due() == 0  # a restarted process
    assert FIRED == ["t:1"]


async def test_cancelled_timer_never_fires(sessions: SessionMaker, org: OrgConfig) -> None:
    FIRED.clear()
    await _schedule(sessions, "test.ping", "request:7:reminder", START)
    async with sessions.begin() as session:
        await cancel(session, key_prefix="request:7:", now=START)
    assert await TimerRunner(sessions, org, FrozenClock(START + timedelta(hours=1))).run_due() == 0
    assert FIRED == []


async def test_two_replicas_fire_each_timer_once(sessions: SessionMaker, org: OrgConfig) -> None:
    FIRED.clear()
    for n in range(20):
        await _schedule(sessions, "test.ping", f"t:{n}", START)
    clock = FrozenClock(START + timedelta(seconds=1))
    a, b = TimerRunner(sessions, org, clock), TimerRunner(sessions, org, clock)
    fired = await asyncio.gather(a.run_due(), b.run_due())
    assert sum(fired) == 20
    assert sorted(FIRED) == sorted(f"t:{n}" for n in range(20))


async def test_failing_handler_is_retried_then_given_up(
    sessions: SessionMaker, org: OrgConfig
) -> None:
    await _schedule(sessions, "test.broken", "b:1", START)
    runner = TimerRunner(sessions, org, FrozenClock(START))
    for _ in range(MAX_ATTEMPTS + 2):
        assert await runner.run_due() == 0
    async with sessions() as session:
        timer = await session.scalar(select(Timer).where(Timer.key == "b:1"))
    assert timer is not None
    assert timer.attempts == MAX_ATTEMPTS and timer.cancelled_at is not None
    assert timer.fired_at is None and "handler bug" in (timer.last_error or "")
