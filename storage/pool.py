"""Who gets the next free database connection: recording an event before everything else.

On SQLite there is one connection per process (storage/db.py), so every transaction waits
for it in turn. A platform waits for its 2xx only while the event is being recorded (one
INSERT), but first come first served put that INSERT behind whole decisions, deliveries and
timer batches: under a burst an acknowledgement waited hundreds of milliseconds. Here a
waiter marked urgent (`urgent()`) takes the connection before the others, which keep their
order among themselves. Under a flood of events there is always an urgent waiter, so after
`URGENT_IN_A_ROW` urgent hand-overs the longest-waiting other one gets its turn: the work
keeps going (and nobody hits the pool's timeout) while each acknowledgement still waits for
at most a few short INSERTs and one transaction.

SQLAlchemy's asyncio pool keeps idle connections in an `AsyncAdaptedQueue`; this replaces the
asyncio.Queue inside it with one that hands a returned connection to the best waiter.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util.langhelpers import memoized_property
from sqlalchemy.util.queue import AsyncAdaptedQueue

_URGENT: ContextVar[bool] = ContextVar("socialdesk_db_urgent", default=False)


@contextlib.contextmanager
def urgent() -> Iterator[None]:
    """Connections asked for in this block go before everyone else's."""
    token = _URGENT.set(True)
    try:
        yield
    finally:
        _URGENT.reset(token)


URGENT_IN_A_ROW = 4


class _Handover:
    """The part of asyncio.Queue's interface the pool uses, with ordered waiters."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._idle: deque[Any] = deque()
        self._urgent: deque[asyncio.Future[Any]] = deque()
        self._others: deque[asyncio.Future[Any]] = deque()
        self._urgent_in_a_row = 0

    def empty(self) -> bool:
        return not self._idle

    def full(self) -> bool:
        return 0 < self.maxsize <= len(self._idle)

    def qsize(self) -> int:
        return len(self._idle)

    def put_nowait(self, item: Any) -> None:
        if waiter := self._next_waiter():  # never one that gave up: those are dropped
            waiter.set_result(item)
            return
        if self.full():
            raise asyncio.QueueFull
        self._idle.append(item)

    def _next_waiter(self) -> asyncio.Future[Any] | None:
        self._drop_gone(self._urgent)
        self._drop_gone(self._others)
        if self._urgent and (not self._others or self._urgent_in_a_row < URGENT_IN_A_ROW):
            self._urgent_in_a_row += 1
            return self._urgent.popleft()
        self._urgent_in_a_row = 0
        return self._others.popleft() if self._others else None

    @staticmethod
    def _drop_gone(waiters: deque[asyncio.Future[Any]]) -> None:
        while waiters and waiters[0].done():  # gave up (the pool's timeout) before their turn
            waiters.popleft()

    async def put(self, item: Any) -> None:
        self.put_nowait(item)

    def get_nowait(self) -> Any:
        if not self._idle:
            raise asyncio.QueueEmpty
        return self._idle.popleft()

    async def get(self) -> Any:
        if self._idle:
            return self._idle.popleft()
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        (self._urgent if _URGENT.get() else self._others).append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:  # a pool timeout: pass on what was handed over
            if waiter.done() and not waiter.cancelled():
                self.put_nowait(waiter.result())
            raise


class _PriorityQueue(AsyncAdaptedQueue[Any]):
    @memoized_property
    def _queue(self) -> Any:  # created lazily, on the loop that uses it, as upstream does
        return _Handover(self.maxsize)


class UrgentFirstPool(AsyncAdaptedQueuePool):
    _queue_class = _PriorityQueue
