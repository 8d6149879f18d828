"""APScheduler inside the server, on one replica only.

Leadership comes from the database: on PostgreSQL a session-level advisory lock held on a
dedicated connection; SQLite is one process by nature. The leader's AsyncIOScheduler runs the
timer round periodically and again at the next due timer; what must happen lives in the
`timers` table, so nothing is lost to a restart and nothing fires twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.inflight import InFlight
from bot.metrics import SCHEDULER_LEADER
from bot.timers.runner import TimerRunner

log = logging.getLogger(__name__)
LEADER_LOCK_KEY = 0x50C1A1DE5C  # any constant shared by all replicas


class Leadership:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._engine.dialect.name != "postgresql" or self._conn is not None

    async def try_acquire(self) -> bool:
        if self._engine.dialect.name != "postgresql":
            return True
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                await self._conn.commit()  # the advisory lock is per session, not per transaction
                return True
            except Exception:
                log.warning("lost the scheduler leadership connection")
                self._conn = None
        conn = await self._engine.connect()
        got = await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK_KEY})
        await conn.commit()
        if got:
            self._conn = conn
            log.info("this replica runs the scheduler")
            return True
        await conn.close()
        return False

    async def release(self) -> None:
        if self._conn is not None:
            await self._conn.close()  # closing the session releases the advisory lock
            self._conn = None


class Scheduler:
    def __init__(
        self, engine: AsyncEngine, runner: TimerRunner, *, tick_seconds: float = 15.0
    ) -> None:
        self.runner = runner
        self.leadership = Leadership(engine)
        self._tick = tick_seconds
        self._aps = AsyncIOScheduler(timezone=UTC)
        self._rounds = InFlight()

    def start(self) -> None:
        self._aps.add_job(
            self._round,
            "interval",
            seconds=self._tick,
            id="round",
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
        )
        self._aps.start()

    async def stop(self) -> None:
        if self._aps.running:
            self._aps.shutdown(wait=False)
        await self._rounds.drain()
        await self.leadership.release()
        SCHEDULER_LEADER.set(0)

    def wake(self) -> None:
        """Run a round now (a timer was scheduled that may be due soon)."""
        if self._aps.running:
            self._aps.add_job(self._round, id="wake", replace_existing=True, max_instances=1)

    async def _round(self) -> None:
        with self._rounds.track():
            await self._lead_a_round()

    async def _lead_a_round(self) -> None:
        leading = False
        try:
            leading = await self.leadership.try_acquire()
        finally:  # the database may be gone: then this replica leads nothing
            SCHEDULER_LEADER.set(1 if leading else 0)
        if not leading:
            return
        try:
            await self.runner.run_due()
            await self._plan_next()
        except Exception:
            log.exception("scheduler round failed")

    async def _plan_next(self) -> None:
        due = await self.runner.next_due()
        if due is None:
            return
        if due - datetime.now(UTC) < timedelta(seconds=self._tick):
            self._aps.add_job(
                self._round,
                "date",
                run_date=max(due, datetime.now(UTC)),
                id="next",
                replace_existing=True,
                max_instances=1,
            )
