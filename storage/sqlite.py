"""SQLite through aiosqlite's interface, each call run at once on the event loop's thread.

aiosqlite hands every call (execute, fetch, close, commit) to a thread of its own and wakes the
event loop when it is done: three or four thread hand-overs per statement, which cost several
times what SQLite needs for the statement itself (a few microseconds in WAL mode, on a local
file). The bot keeps one connection per process (storage/db.py), so nothing here waits for
another of its own connections; the only wait is another process holding the write lock (the
CLI, a migration), bounded by BUSY_TIMEOUT_MS. Long reads (a report at 10,000 items) hold the
loop for their few milliseconds instead of a thread, which the pool serialised anyway.

Every other statement the connection yields to the event loop once (`asyncio.sleep(0)`, far
cheaper than a thread hop): requests are read and parsed while a long transaction runs, and
only what needs the database waits for its end, as with aiosqlite, minus the hops.

SQLAlchemy's aiosqlite dialect takes the connection through `async_creator` and stays as it is.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any

import aiosqlite

# Another process's write transaction is waited for this long, then the statement fails (a
# transient error: the inbox tries the event again, the platform gets "not reachable").
BUSY_TIMEOUT_MS = 5000
# A transaction gives the event loop a turn after every this many statements: nothing else
# pauses it, and a decision's thirty statements in one go kept every request that arrived
# meanwhile unread (measured: 2 gives the best acknowledgement p99 and throughput; 1 and 4
# less of both).
YIELD_EVERY = 2


class _RunNow:
    """aiosqlite's work queue, except that what is put on it runs at once, right here."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:
            if future is None:
                raise
            future.set_exception(exc)
        else:
            if future is not None:
                future.set_result(result)


class LoopThreadConnection(aiosqlite.Connection):
    """An aiosqlite connection without its thread: every queued call runs on the caller's."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]
        self._statements = 0

    def __await__(self) -> Any:
        return self._connect().__await__()  # no thread to start

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        result = await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
        if getattr(fn, "__name__", "") in ("execute", "executemany"):
            self._statements += 1
            if self._statements % YIELD_EVERY == 0:
                await asyncio.sleep(0)
        return result


def connector(path: str) -> Callable[[], LoopThreadConnection]:
    """`async_creator` for create_async_engine: a new connection to the file at `path`."""
    connect = partial(
        sqlite3.connect, path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
    )
    return partial(LoopThreadConnection, connect)
