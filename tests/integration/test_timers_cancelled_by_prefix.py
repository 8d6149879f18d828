"""A decision cancels its request's reminders by key prefix: exactly the pending timers with
that prefix (not `approval:123:…` for `approval:12:`, not one that fired), found through the
unique index on `key` rather than by walking every pending timer, whatever the database's
collation would make of the punctuation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.timers import service as timers
from storage.db import SessionMaker
from storage.models import Timer

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KEYS = [
    "approval:1:sla",
    "approval:12",
    "approval:12:remind:50",
    "approval:12:sla",
    "approval:12:zzz",
    "approval:12;",
    "approval:120:sla",
    "approval:123:sla",
    "approval:12a:sla",
    "approval:2:sla",
    "posting:12:sla",
]


async def _timers(session: AsyncSession, fired: set[str]) -> None:
    for key in KEYS:
        session.add(
            Timer(
                kind="approval.sla",
                key=key,
                due_at=NOW + timedelta(hours=4),
                created_at=NOW,
                fired_at=NOW if key in fired else None,
            )
        )
    await session.flush()


async def test_exactly_the_pending_timers_with_the_prefix_are_cancelled(
    sessions: SessionMaker,
) -> None:
    async with sessions.begin() as session:
        await _timers(session, fired={"approval:12:zzz"})
        await timers.cancel(session, key_prefix="approval:12:", now=NOW)
    async with sessions() as session:
        rows = (await session.execute(select(Timer.key, Timer.cancelled_at))).all()
    cancelled = sorted(key for key, at in rows if at is not None)
    assert cancelled == ["approval:12:remind:50", "approval:12:sla"]


async def test_the_cancel_reads_the_prefix_through_the_key_index(sessions: SessionMaker) -> None:
    """Among 2,000 other pending timers (enough for PostgreSQL to prefer an index to reading
    them all); SQLite's planner, without statistics, took the index of pending timers for two
    IS NULLs, and either database walks them all for a LIKE it cannot read as a range."""
    async with sessions.begin() as session:
        await _timers(session, fired=set())
        await session.execute(
            insert(Timer),
            [
                {
                    "kind": "posting.remind",
                    "key": f"posting:{n}:remind",
                    "due_at": NOW,
                    "created_at": NOW,
                    "payload": {},
                }
                for n in range(2000)
            ],
        )
        statements: list[tuple[str, Any]] = []
        sync_engine = session.bind.sync_engine  # type: ignore[union-attr]

        def keep(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
            statements.append((statement, params))

        event.listen(sync_engine, "before_cursor_execute", keep)
        try:
            await timers.cancel(session, key_prefix="approval:12:", now=NOW)
        finally:
            event.remove(sync_engine, "before_cursor_execute", keep)
        ((statement, params),) = statements
        connection = await session.connection()
        if connection.dialect.name == "sqlite":
            plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
            expected = "sqlite_autoindex_timers_1 (key>? AND key<?)"
        else:
            plan = await connection.exec_driver_sql(f"EXPLAIN {statement}", params)
            expected = "uq_timers_key"
        text = "\n".join(str(row[-1]) for row in plan)
        assert expected in text, text
