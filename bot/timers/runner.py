"""Fires due timers, each exactly once, each in its own unit of work.

A timer is claimed with `UPDATE … SET fired_at WHERE fired_at IS NULL` in the same transaction
as its handler's effects, so two replicas (or a restart mid-round) never fire it twice, and a
handler that fails leaves the timer due for the next round.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update

from bot.clock import Clock
from bot.metrics import TIMERS
from bot.orgconfig import OrgConfig
from bot.timers.service import HANDLERS, PLANNERS, TimerContext
from storage.db import SessionMaker
from storage.models import Timer

log = logging.getLogger(__name__)
_AGAIN = -1  # `_fire`: a batch was written, the timer wants to fire once more
MAX_ATTEMPTS = 5


class TimerRunner:
    def __init__(
        self,
        sessionmaker: SessionMaker,
        org: OrgConfig,
        clock: Clock,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._sessions = sessionmaker
        self._org = org
        self._clock = clock
        self._on_commit = on_commit

    async def run_due(self, limit: int = 100) -> int:
        """Plan, then fire what is due now. Returns how many timers fired."""
        now = self._clock.now()
        for plan in PLANNERS:
            try:
                async with self._sessions.begin() as session:
                    await plan(session, self._org, now)
            except Exception:
                log.exception("timer planner %s failed", getattr(plan, "__name__", plan))
        async with self._sessions() as session:
            due = (
                await session.execute(
                    select(Timer.id, Timer.kind)
                    .where(
                        Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at <= now
                    )
                    .order_by(Timer.due_at, Timer.id)
                    .limit(limit)
                )
            ).all()
        fired = 0
        for timer_id, kind in due:
            TIMERS.labels(kind, "due").inc()
            while (outcome := await self._fire(timer_id, kind, now)) == _AGAIN:
                self._on_commit()  # the batch just written goes out while the next is built
            fired += outcome
            if outcome:
                self._on_commit()
        return fired

    async def next_due(self) -> datetime | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(Timer.due_at)
                .where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))
                .order_by(Timer.due_at)
                .limit(1)
            )

    async def _fire(self, timer_id: int, kind: str, now: datetime) -> int:
        try:
            async with self._sessions.begin() as session:
                claimed = await session.execute(
                    update(Timer)
                    .where(
                        Timer.id == timer_id, Timer.fired_at.is_(None), Timer.cancelled_at.is_(None)
                    )
                    .values(fired_at=now)
                )
                if claimed.rowcount != 1:  # type: ignore[attr-defined]
                    return 0
                timer = await session.get_one(Timer, timer_id)
                handler = HANDLERS.get(timer.kind)
                if handler is None:
                    log.error("no handler for timer kind %s (%s)", timer.kind, timer.key)
                    return 0
                ctx = TimerContext(session=session, org=self._org, now=now, timer=timer)
                await handler(ctx)
                if ctx.again:
                    timer.fired_at = None
                    return _AGAIN
            TIMERS.labels(kind, "fired").inc()
            return 1
        except Exception as exc:
            log.exception("timer %s failed", timer_id)
            TIMERS.labels(kind, "failed").inc()
            await self._record_failure(timer_id, now, exc)
            return 0

    async def _record_failure(self, timer_id: int, now: datetime, exc: Exception) -> None:
        async with self._sessions.begin() as session:
            timer = await session.get(Timer, timer_id)
            if timer is None:
                return
            timer.attempts += 1
            timer.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if timer.attempts >= MAX_ATTEMPTS:
                timer.cancelled_at = now
