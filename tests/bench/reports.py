"""Reports over a big pipeline: `/desk status`, `/desk stats`, the agenda, `/desk departments`.

Each database gets `n_items` items (tests/reports_support.py: 80 % of them wait for Ben), then
every report is built through the function its handler calls, in a fresh session as a
handler gets one, several times; the median counts. Baseline, same run, same database: one
`SELECT count(*)` over the tables the report joins — the least any answer about them costs.

Standalone, on a temp SQLite file:

    python -c "import asyncio, tempfile; from bot.migrate import upgrade_async; \
from tests.bench.reports import run; d = tempfile.mkdtemp(); u = f'sqlite+aiosqlite:///{d}/b.db'; \
asyncio.run(upgrade_async(u)); print(asyncio.run(run(10_000, [('SQLite', u)])))"
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.orgconfig import OrgConfig
from bot.people.service import person_by_handle, sync_organisation
from storage.db import create_sessionmaker
from storage.models import ApprovalRequest, ContentItem, Decision, RequestApprover
from tests.bench.common import Row
from tests.bench.harness import REPEATS, median_ms, per_database
from tests.reports_support import REPORTS, ben_waiting, report, seed

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ASKER = "ben"

# The tables each report joins, counted in one statement: the baseline.
BASELINES: dict[str, Select[Any]] = {
    "status": select(func.count())
    .select_from(RequestApprover)
    .join(ApprovalRequest, ApprovalRequest.id == RequestApprover.request_id)
    .join(ContentItem, ContentItem.id == ApprovalRequest.item_id),
    "stats": select(func.count())
    .select_from(Decision)
    .join(ApprovalRequest, ApprovalRequest.id == Decision.request_id)
    .join(ContentItem, ContentItem.id == ApprovalRequest.item_id),
    "agenda": select(func.count())
    .select_from(ApprovalRequest)
    .join(ContentItem, ContentItem.id == ApprovalRequest.item_id),
    "departments": select(func.count()).select_from(ContentItem),
}
TITLES = {
    "status": "/desk status (approver with {waiting} pending)",
    "stats": "/desk stats",
    "agenda": "meeting agenda",
    "departments": "/desk departments",
}


async def run(n_items: int, urls: list[tuple[str, str]]) -> list[Row]:
    """One Row per report and database; `urls` are migrated, empty databases."""
    return await per_database(n_items, urls, _measure)


async def _measure(engine: AsyncEngine, org: OrgConfig, label: str, n_items: int) -> list[Row]:
    maker = create_sessionmaker(engine)
    async with maker.begin() as session:
        await sync_organisation(session, org)
        await seed(session, n_items, NOW)
        # What PostgreSQL's autovacuum does soon after a bulk load; SQLite keeps no statistics
        # unless asked, so it is measured without.
        if engine.dialect.name == "postgresql":
            await session.execute(text("ANALYZE"))
    rows = []
    for name in REPORTS:
        baseline = await median_ms(maker, partial(_count, query=BASELINES[name]))
        measured = await median_ms(maker, partial(_ask, org=org, name=name))
        rows.append(
            Row(
                scenario=TITLES[name].format(waiting=f"{ben_waiting(n_items):,}")
                + f", {n_items:,} items",
                database=label,
                unit="ms",
                baseline=baseline,
                measured=measured,
                note="baseline: one SELECT count(*) over the tables the report joins; "
                f"median of {REPEATS}",
            )
        )
    return rows


async def _count(session: AsyncSession, *, query: Select[Any]) -> object:
    return await session.scalar(query)


async def _ask(session: AsyncSession, *, org: OrgConfig, name: str) -> object:
    person = await person_by_handle(session, ASKER)
    assert person is not None
    return await report(name, session, org, person, NOW)
