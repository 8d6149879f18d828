"""Work in progress that a shutdown waits for.

Cancelling a task in the middle of a database call can wedge the driver (aiosqlite's worker
thread, an asyncpg protocol), and a half-handled event is exactly what we promise never to
leave behind. So stopping means: take no new work, let running work finish, then close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

log = logging.getLogger(__name__)


class InFlight:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[object]] = set()

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def drain(self, within: float = 10.0) -> None:
        current = asyncio.current_task()
        pending = {t for t in self._tasks if t is not current and not t.done()}
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=within)
        for task in late:
            log.warning("still running at shutdown, cancelled: %s", task.get_name())
            task.cancel()
