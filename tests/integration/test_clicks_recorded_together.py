"""Many people click at once: every click is recorded before its acknowledgement, the clicks
that arrive together share one transaction (bot/inbox/recorder.py), a platform's retry among
them counts once, and one event the database refuses does not refuse the others."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event, func, select

from bot.clock import SystemClock
from bot.events import Action, Actor
from bot.inbox.recorder import Recorder
from storage.db import SessionMaker
from storage.models import InboxEvent


def _click(n: int, key: str = "") -> Action:
    return Action(
        actor=Actor(platform="slack", user_id=f"U{n:04d}"),
        event_key=key or f"trigger-{n}",
        action="approval.approve",
        value=str(n),
    )


def _transactions(sessions: SessionMaker) -> list[int]:
    """Counts the transactions begun on the sessions' engine from now on."""
    begun: list[int] = []

    def count(_conn: Any) -> None:
        begun.append(1)

    event.listen(sessions.kw["bind"].sync_engine, "begin", count)
    return begun


async def _rows(sessions: SessionMaker) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(InboxEvent)) or 0)


async def test_sixteen_clicks_at_once_take_one_turn(sessions: SessionMaker) -> None:
    recorder = Recorder(sessions, SystemClock())
    begun = _transactions(sessions)
    ids = await asyncio.gather(*(recorder.record(_click(n)) for n in range(16)))
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == 16
    assert len(begun) == 1, "the clicks that came together were written together"
    assert await _rows(sessions) == 16


async def test_a_retry_in_the_same_batch_and_a_later_one_count_once(
    sessions: SessionMaker,
) -> None:
    recorder = Recorder(sessions, SystemClock())
    first, again, other = await asyncio.gather(
        recorder.record(_click(1, "trigger-x")),
        recorder.record(_click(1, "trigger-x")),  # Slack retried before the first was answered
        recorder.record(_click(2)),
    )
    assert isinstance(first, int) and again is None and isinstance(other, int)
    assert await recorder.record(_click(1, "trigger-x")) is None  # and retried once more
    assert await _rows(sessions) == 2


async def test_an_event_the_database_refuses_does_not_refuse_the_others(
    sessions: SessionMaker,
) -> None:
    """A key that is not text fails the batch's statement (not an outage): the batch is tried
    event by event, so only the broken one is refused."""
    recorder = Recorder(sessions, SystemClock())
    broken = _click(99)
    object.__setattr__(broken, "event_key", None)
    results = await asyncio.gather(
        *(recorder.record(_click(n)) for n in range(5)),
        recorder.record(broken),
        return_exceptions=True,
    )
    assert all(isinstance(r, int) for r in results[:5])
    assert isinstance(results[5], Exception)
    assert await _rows(sessions) == 5
