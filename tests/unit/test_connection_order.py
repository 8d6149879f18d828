"""On SQLite's one connection, recording an event goes before work that was waiting longer
(storage/pool.py): a platform's acknowledgement never queues behind decisions and deliveries."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from sqlalchemy import text

from storage.db import create_engine
from storage.pool import urgent


async def test_an_urgent_waiter_gets_the_connection_first(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'order.db'}")
    order: list[str] = []
    release = asyncio.Event()

    async def holder() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            await release.wait()

    async def waiter(name: str, is_urgent: bool) -> None:
        if is_urgent:
            with urgent():
                async with engine.connect() as conn:
                    order.append(name)
                    await conn.execute(text("SELECT 1"))
        else:
            async with engine.connect() as conn:
                order.append(name)
                await conn.execute(text("SELECT 1"))

    try:
        held = asyncio.create_task(holder())
        await asyncio.sleep(0.05)
        tasks = [asyncio.create_task(waiter("worker", False))]
        await asyncio.sleep(0.01)
        tasks.append(asyncio.create_task(waiter("dispatcher", False)))
        await asyncio.sleep(0.01)
        tasks.append(asyncio.create_task(waiter("acknowledgement", True)))
        await asyncio.sleep(0.01)
        release.set()
        await asyncio.gather(held, *tasks)
    finally:
        await engine.dispose()
    assert order == ["acknowledgement", "worker", "dispatcher"]


async def test_a_flood_of_urgent_waiters_does_not_starve_the_work(tmp_path: Path) -> None:
    """Under a burst there is always an acknowledgement waiting: the worker still gets every
    fifth turn, so it never runs into the pool's timeout."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'flood.db'}")
    order: list[str] = []

    async def take(name: str) -> None:
        with urgent() if name.startswith("ack") else contextlib.nullcontext():
            async with engine.connect() as conn:
                order.append(name)
                await conn.execute(text("SELECT 1"))

    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            tasks = [asyncio.create_task(take("worker"))]
            await asyncio.sleep(0.01)
            for n in range(6):
                tasks.append(asyncio.create_task(take(f"ack{n}")))
                await asyncio.sleep(0.01)
        await asyncio.gather(*tasks)
    finally:
        await engine.dispose()
    assert order == ["ack0", "ack1", "ack2", "ack3", "worker", "ack4", "ack5"]


async def test_a_waiter_that_gives_up_passes_the_connection_on(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'timeout.db'}", pool_timeout=0.05)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            impatient = asyncio.create_task(engine.connect().__aenter__())
            await asyncio.sleep(0.2)  # its pool timeout passes while the connection is held
        assert impatient.done() and impatient.exception() is not None
        async with engine.connect() as again:  # the one connection is free, not lost
            assert (await again.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()
