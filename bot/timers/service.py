"""Scheduling and cancelling timers, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.named import registrar
from bot.orgconfig import OrgConfig
from storage.models import Timer


@dataclass
class TimerContext:
    """What a timer handler gets: its own unit of work, the organisation and the time."""

    session: AsyncSession
    org: OrgConfig
    now: datetime
    timer: Timer
    # Set by a handler that wrote one batch of a fan-out: the batch commits, the dispatcher
    # starts on it, and the timer fires again at once for the next (its work is idempotent).
    again: bool = False


TimerHandler = Callable[[TimerContext], Awaitable[None]]
Planner = Callable[[AsyncSession, OrgConfig, datetime], Awaitable[None]]
HANDLERS: dict[str, TimerHandler] = {}
PLANNERS: list[Planner] = []


on_timer = registrar(HANDLERS, "timer kind")


def planner(fn: Planner) -> Planner:
    """Runs on the leader before each round: e.g. make sure next week's meeting has timers."""
    PLANNERS.append(fn)
    return fn


async def schedule(
    session: AsyncSession,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> Timer:
    """Create the timer for `key`, or move it if it has not fired yet."""
    timer = await session.scalar(select(Timer).where(Timer.key == key))
    if timer is None:
        timer = Timer(kind=kind, key=key, due_at=due_at, payload=payload or {}, created_at=now)
        session.add(timer)
    elif timer.fired_at is None:
        timer.due_at, timer.cancelled_at = due_at, None
        if payload is not None:
            timer.payload = payload
    await session.flush()
    return timer


def key_starts_with(prefix: str) -> ColumnElement[bool]:
    """The timers whose key starts with `prefix`, as a range of the unique index on `key`
    (keys compare bytewise): a LIKE with a bound pattern uses no index on either database."""
    if not prefix:
        raise ValueError("a timer key prefix cannot be empty")
    beyond = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # the first key past the prefix
    return (Timer.key >= prefix) & (Timer.key < beyond)


# Not fired, not cancelled, asked as one COALESCE, which no index matches: SQLite's planner,
# without statistics, took the index of pending timers for two IS NULLs instead of the key
# range (with 10,000 requests open each decision's cancel walked every pending timer, 8 ms).
PENDING = func.coalesce(Timer.fired_at, Timer.cancelled_at).is_(None)


async def cancel(session: AsyncSession, *, key_prefix: str, now: datetime) -> None:
    """Cancel every timer whose key starts with the prefix and has not fired."""
    await session.execute(
        update(Timer).where(key_starts_with(key_prefix), PENDING).values(cancelled_at=now)
    )
