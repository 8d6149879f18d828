"""Inbox rows: record an event, claim the next one a worker may take, finish it.

Service functions take the caller's session and never commit; the worker pool and the
adapters' `accept` own the transactions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.events import InboundEvent
from bot.inbox.codec import encode
from storage.db import insert_for
from storage.models import InboxEvent

# How long a row prepared outside a transaction is held; renewed while the work goes on, it
# only says how long a crashed process's row (and its person's later events) waits.
LEASE = timedelta(seconds=15)


def conversation_of(event: InboundEvent) -> str:
    """Events of one person on one platform are handled in the order they arrived."""
    return f"{event.actor.platform}:{event.actor.user_id}"[:255]


def _values(event: InboundEvent, now: datetime) -> dict[str, object]:
    return {
        "platform": event.actor.platform,
        "key": event.event_key[:255],
        "conversation": conversation_of(event),
        "payload": encode(event),
        "status": "pending",
        "attempts": 0,
        "received_at": now,
    }


async def record(session: AsyncSession, event: InboundEvent, *, now: datetime) -> int | None:
    """The new row's id, or None when the platform key is known already (a retry, a double
    click): the unique key is the dedupe, in the database, so replicas agree."""
    return (await record_many(session, [event], now=now))[0]


async def record_many(
    session: AsyncSession, events: Sequence[InboundEvent], *, now: datetime
) -> list[int | None]:
    """`record` for several events in one statement (INSERT … ON CONFLICT DO NOTHING
    RETURNING, as both databases speak it): each event's new row id, in order, or None for
    a platform key known already — from before, or from an earlier event in this list."""
    first: dict[tuple[str, str], int] = {}  # (platform, key) -> index of its first event
    rows = []
    for index, event in enumerate(events):
        values = _values(event, now)
        if first.setdefault((event.actor.platform, str(values["key"])), index) == index:
            rows.append(values)
    statement = (
        insert_for(session)(InboxEvent)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["platform", "key"])
        .returning(InboxEvent.id, InboxEvent.platform, InboxEvent.key)
    )
    new = {(platform, key): row_id for row_id, platform, key in await session.execute(statement)}
    ids: list[int | None] = [None] * len(events)
    for (platform, key), index in first.items():
        ids[index] = new.get((platform, key))
    return ids


async def claim_next(
    session: AsyncSession, *, now: datetime, skip_locked: bool
) -> InboxEvent | None:
    """The oldest pending row that no worker holds and that no earlier row of its conversation
    is waiting before. On PostgreSQL the row stays locked until the caller's transaction ends
    (SKIP LOCKED: other replicas' workers pass over it); SQLite has one writer at a time."""
    earlier = aliased(InboxEvent)
    query = (
        select(InboxEvent)
        .where(
            InboxEvent.status == "pending",
            or_(InboxEvent.leased_until.is_(None), InboxEvent.leased_until < now),
            ~exists().where(
                and_(
                    earlier.conversation == InboxEvent.conversation,
                    earlier.status == "pending",
                    earlier.id < InboxEvent.id,
                )
            ),
        )
        .order_by(InboxEvent.id)
        .limit(1)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True, of=InboxEvent)
    return await session.scalar(query)


def lease(row: InboxEvent, *, now: datetime, seconds: float | None = None) -> datetime:
    """Hold the row while work happens outside a transaction (fetching files, asking the
    platform for an e-mail); if this process dies, the lease runs out and another takes it."""
    row.leased_until = now + (LEASE if seconds is None else timedelta(seconds=seconds))
    row.attempts += 1
    return row.leased_until


async def renew(
    session: AsyncSession, row_id: int, leased_until: datetime, *, now: datetime
) -> datetime | None:
    """Extend our lease on the row; None when it is no longer ours (it ran out and another
    worker took the row)."""
    until = now + LEASE
    result = await session.execute(
        update(InboxEvent).where(_ours(row_id, leased_until)).values(leased_until=until)
    )
    return until if result.rowcount == 1 else None  # type: ignore[attr-defined]


def _ours(row_id: int, leased_until: datetime) -> ColumnElement[bool]:
    """The row, still pending under the lease we took."""
    return and_(
        InboxEvent.id == row_id,
        InboxEvent.status == "pending",
        InboxEvent.leased_until == leased_until,
    )


async def reclaim(
    session: AsyncSession, row_id: int, leased_until: datetime, *, skip_locked: bool
) -> InboxEvent | None:
    """The row again after work outside a transaction, if it is still ours."""
    query = select(InboxEvent).where(_ours(row_id, leased_until))
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return await session.scalar(query)


def finish(row: InboxEvent, *, now: datetime, error: str | None = None) -> None:
    row.status = "failed" if error else "done"
    row.done_at, row.leased_until = now, None
    if error:
        row.last_error = error[:2000]


async def postpone(session: AsyncSession, row_id: int, *, until: datetime, error: str) -> None:
    """A transient failure (the database went away): the row waits and is tried again."""
    await session.execute(
        update(InboxEvent)
        .where(InboxEvent.id == row_id, InboxEvent.status == "pending")
        .values(leased_until=until, attempts=InboxEvent.attempts + 1, last_error=error[:2000])
    )


async def forget_before(session: AsyncSession, cutoff: datetime) -> int:
    """Handled rows older than the dedupe window: platforms do not retry that late."""
    result = await session.execute(
        delete(InboxEvent).where(InboxEvent.status != "pending", InboxEvent.done_at < cutoff)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
