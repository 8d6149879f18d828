"""Group commit for the inbox: the events that arrive while one batch is being written go into
the next, one transaction and one INSERT for all of them.

Every platform request waits until its event is durable before it gets its 2xx. Written one
transaction each, sixteen clicks in flight queue sixteen times for the connection (SQLite has
one per process) and pay sixteen commits, each turn also waiting for the event loop to come
round; together they take one turn. Nothing is acknowledged before its batch has committed. A
batch the database refuses is refused for every event in it (each adapter then tells its
person), except that an error which is not the database's being away is retried event by
event, so one event the database will not take does not take others down with it.
"""

from __future__ import annotations

import asyncio

from bot.clock import Clock
from bot.events import InboundEvent
from bot.inbox.service import record_many
from storage.db import SessionMaker, is_transient
from storage.pool import urgent

# Events written in one statement at most; the rest wait for the next batch.
BATCH = 200

Waiting = tuple[InboundEvent, "asyncio.Future[int | None]"]


class Recorder:
    def __init__(self, sessions: SessionMaker, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self._waiting: list[Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, event: InboundEvent) -> int | None:
        """The event's new inbox row id, or None when its platform key is known already.
        Raises what the database raised when its batch could not be written."""
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((event, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="inbox-recorder")
        return await future

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:BATCH], self._waiting[BATCH:]
            try:
                ids = await self._insert([event for event, _ in batch])
            except Exception as exc:
                if len(batch) == 1 or is_transient(exc):
                    _settle(batch, exc)
                    continue
                for one in batch:  # find the event the database refuses; keep the others
                    try:
                        _settle([one], await self._insert([one[0]]))
                    except Exception as single:
                        _settle([one], single)
                continue
            _settle(batch, ids)

    async def _insert(self, events: list[InboundEvent]) -> list[int | None]:
        with urgent():  # the platform is waiting: before handling, delivery and timers
            async with self._sessions.begin() as session:
                return await record_many(session, events, now=self._clock.now())


def _settle(batch: list[Waiting], outcome: list[int | None] | Exception) -> None:
    for index, (_, future) in enumerate(batch):
        if future.done():  # its request went away meanwhile; the event is recorded anyway
            continue
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome[index])
