"""`make bench`: socialdesk under load, every figure beside a baseline measured in the same run.

Scenarios (tests/bench/*.py): decisions end to end and their acknowledgements against a bare
slack-bolt app; a burst of commands on top of a pipeline; the meeting's fan-out through a
rate-limited Slack with a colleague typing meanwhile, and the bot's memory at rest and during
it; the reports at 10,000 items; the iCal feed and `/desk kalender` at 10,000 postings; and on
PostgreSQL one replica process against two. The bot and the bolt baseline each run in their
own process (tests/bench/processes.py); the load generator and the fake Slack run here. Each
scenario runs on SQLite and on PostgreSQL (a database created and dropped on the server the
tests use, SOCIALDESK_TEST_POSTGRES_URL); where no PostgreSQL answers, only SQLite runs and
the table says so.

SOCIALDESK_BENCH_SCALE=smoke runs every scenario small (`make test` does, to keep it from
rotting, and asserts only counts: lost 0, twice 0 — never timings).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from bot import migrate
from tests.bench import board, burst, calendar, decisions, fanout, reports
from tests.bench.common import Row

PG_URL = os.environ.get(
    "SOCIALDESK_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


@dataclass(frozen=True)
class Scale:
    decisions: int
    burst: int
    burst_items: int
    fanout: int
    fanout_items: int  # in the database while the fan-out runs: the bot's RSS with them
    report_items: int
    calendar_postings: int
    board_items: int


FULL = Scale(
    decisions=300,
    burst=9000,
    burst_items=1000,
    fanout=2000,
    fanout_items=10_000,
    report_items=10_000,
    calendar_postings=10_000,
    board_items=10_000,
)
SMOKE = Scale(
    decisions=8,
    burst=24,
    burst_items=40,
    fanout=20,
    fanout_items=60,
    report_items=60,
    calendar_postings=60,
    board_items=60,
)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def postgres_available() -> bool:
    try:
        conn = await asyncio.wait_for(asyncpg.connect(_dsn(PG_URL)), 5)
    except Exception:
        return False
    await conn.close()
    return True


@contextlib.asynccontextmanager
async def fresh_database(kind: str, folder: Path) -> AsyncIterator[str]:
    """A migrated, empty database: a SQLite file, or a database on the PostgreSQL server."""
    if kind == "SQLite":
        url = f"sqlite+aiosqlite:///{folder}/bench-{uuid.uuid4().hex[:8]}.db"
        await migrate.upgrade_async(url)
        yield url
        return
    name = f"socialdesk_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(_dsn(PG_URL))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        await migrate.upgrade_async(url)
        yield url
    finally:
        admin = await asyncpg.connect(_dsn(PG_URL))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


FOOTNOTE = """
Each socialdesk replica and each bare bolt baseline runs in its own process, started alike
(tests/bench/processes.py); the load generator and the fake Slack run in the bench process.
They, and PostgreSQL, share this machine's {cores} cores: with 2 replicas, 3 busy processes
(plus the database) share them, so "2 replicas vs 1" shows what a second process adds on the
same cores, not on a second machine. "CPU servers X cores, bench Y": the cores the servers
under test and the bench process kept busy during the timed phase."""

Scenario = Callable[[list[tuple[str, str]]], Awaitable[list[Row]]]


async def collect(scale: Scale, kinds: list[str], folder: Path) -> list[Row]:
    scenarios: list[Scenario] = [
        lambda urls: decisions.run(scale.decisions, urls, folder),
        lambda urls: burst.run(scale.burst, scale.burst_items, urls),
        lambda urls: fanout.run(scale.fanout, scale.fanout_items, urls, folder),
        lambda urls: reports.run(scale.report_items, urls),
        lambda urls: calendar.run(scale.calendar_postings, urls),
        lambda urls: board.run(scale.board_items, urls),
    ]
    rows: list[Row] = []
    for scenario in scenarios:
        for kind in kinds:
            async with fresh_database(kind, folder) as url:
                rows.extend(await scenario([(kind, url)]))
    if "PostgreSQL" in kinds:
        async with (
            fresh_database("PostgreSQL", folder) as one,
            fresh_database("PostgreSQL", folder) as two,
        ):
            rows.append(await decisions.scale_out(scale.decisions, one, two, folder))
    return rows


def table(rows: list[Row]) -> str:
    lines = [
        f"{'scenario':58s} {'database':10s} {'unit':12s} {'baseline':>10s} {'measured':>10s}"
        f" {'ratio':>8s} {'target':8s} lost twice  note"
    ]
    for r in rows:
        lines.append(
            f"{r.scenario[:58]:58s} {r.database:10s} {r.unit:12s} {r.baseline:10.2f} "
            f"{r.measured:10.2f} {r.ratio:7.2f}× {r.target:8s} {r.lost:4d} {r.twice:5d}  {r.note}"
        )
    lines.append(FOOTNOTE.format(cores=os.cpu_count() or "?"))
    return "\n".join(lines)


async def main() -> int:
    scale = SMOKE if os.environ.get("SOCIALDESK_BENCH_SCALE") == "smoke" else FULL
    kinds = ["SQLite"]
    if await postgres_available():
        kinds.append("PostgreSQL")
    else:
        print(f"PostgreSQL not reachable at {PG_URL}: SQLite only")
    with tempfile.TemporaryDirectory() as tmp:
        rows = await collect(scale, kinds, Path(tmp))
    print(table(rows))
    return 1 if any(r.lost or r.twice for r in rows) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
