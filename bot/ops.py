"""The operator's endpoints: `GET /metrics` (Prometheus) and `GET /readyz` (ready for traffic).

`/healthz` (in bot/server.py) says the process is alive and never touches the database, so an
orchestrator does not restart every replica because the database is down; `/readyz` says
whether this replica can do its work (database reachable, schema at the code's migration
head), so a load balancer sends it nothing until it can. Both are cheap enough to poll every
few seconds: one query each, with a timeout.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations
from bot.clock import Clock
from bot.metrics import (
    DATABASE_UP,
    OUTBOX_OLDEST_PENDING_SECONDS,
    OUTBOX_ROWS,
    OUTBOX_STATUSES,
    REGISTRY,
)
from storage.models import OutboxMessage

log = logging.getLogger(__name__)
QUERY_TIMEOUT = 5.0  # a probe that hangs is worse than one that says "not ready"


@dataclass
class Ops:
    db: AsyncEngine
    clock: Clock
    heads: frozenset[str]
    stopping: bool = field(default=False)


OPS: web.AppKey[Ops] = web.AppKey("ops", Ops)


def mount(app: web.Application, *, db: AsyncEngine, clock: Clock) -> None:
    """Add GET /metrics and GET /readyz (ready once the database is at migrations.HEAD)."""
    app[OPS] = Ops(db=db, clock=clock, heads=frozenset({migrations.HEAD}))
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/readyz", readyz)
    app.on_shutdown.append(_stopping)


async def _stopping(app: web.Application) -> None:
    """Draining: the load balancer should stop sending before the workers stop."""
    app[OPS].stopping = True


async def readyz(request: web.Request) -> web.Response:
    ops = request.app[OPS]
    if ops.stopping:
        return _not_ready("shutting down")
    try:
        current = await asyncio.wait_for(_schema_revisions(ops.db), QUERY_TIMEOUT)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        return _not_ready(f"database not reachable: {_reason(exc)}")
    if current != ops.heads:
        return _not_ready(
            f"database schema at {_names(current)}, this code needs {_names(ops.heads)} "
            "(run `socialdesk migrate`)"
        )
    return web.json_response({"status": "ready"})


def _not_ready(reason: str) -> web.Response:
    return web.json_response({"status": "not ready", "reason": reason}, status=503)


async def _schema_revisions(db: AsyncEngine) -> frozenset[str]:
    """alembic_version holds the applied head(s); a database never migrated has no table."""
    async with db.connect() as conn:
        exists = await conn.run_sync(lambda sync: sync.dialect.has_table(sync, "alembic_version"))
        if not exists:
            return frozenset()
        rows = await conn.scalars(text("SELECT version_num FROM alembic_version"))
        return frozenset(rows.all())


def _names(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions)) or "none (never migrated)"


def _reason(exc: BaseException) -> str:
    """The driver's first line, never the URL (it may carry a password)."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {QUERY_TIMEOUT:g}s"
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


async def metrics(request: web.Request) -> web.Response:
    ops = request.app[OPS]
    try:
        await asyncio.wait_for(_read_outbox(ops.db, ops.clock.now()), QUERY_TIMEOUT)
        DATABASE_UP.set(1)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        log.warning("/metrics: outbox figures unavailable (%s)", _reason(exc))
        DATABASE_UP.set(0)
        OUTBOX_ROWS.clear()  # no number rather than a stale one
        OUTBOX_OLDEST_PENDING_SECONDS.set(float("nan"))
    body = generate_latest(REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _read_outbox(db: AsyncEngine, now: datetime) -> None:
    """One aggregate query: rows and oldest creation time per status."""
    query = select(OutboxMessage.status, func.count(), func.min(OutboxMessage.created_at)).group_by(
        OutboxMessage.status
    )
    async with db.connect() as conn:
        rows = (await conn.execute(query)).all()
    counts = {status: 0 for status in OUTBOX_STATUSES}
    oldest_pending: datetime | None = None
    for status, count, oldest in rows:
        counts[status] = count
        if status == "pending":
            oldest_pending = oldest
    for status, count in counts.items():
        OUTBOX_ROWS.labels(status).set(count)
    age = (now - oldest_pending).total_seconds() if oldest_pending else 0.0
    OUTBOX_OLDEST_PENDING_SECONDS.set(max(0.0, age))
