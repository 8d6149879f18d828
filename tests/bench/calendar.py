"""The calendar at scale: the iCal feed and `/desk kalender` over `n_items` postings.

Each database gets `n_items` content items with one posting each, spread from 60 days back
(posted) to 300 days ahead (planned) over the three channels, so every posting is in the
feed's window. Then, each round in a fresh session or over a fresh HTTP request:

- the feed over HTTP on loopback (the route adapters/web/ical.py mounts): the first fetch
  after a change with no event rendered yet, a fetch after one posting changed (the usual
  poll after a change), and an unchanged feed (If-None-Match → 304). Baseline, same run, same
  server: a static file of the feed's size served by aiohttp.
- `/desk kalender`: the week's query and message, as its handler builds them. Baseline: one
  `SELECT count(*)` over the postings and their items.

Standalone, on a temp SQLite file:

    python -c "import asyncio, tempfile; from bot.migrate import upgrade_async; \
from tests.bench.calendar import run; d = tempfile.mkdtemp(); u = f'sqlite+aiosqlite:///{d}/b.db'; \
asyncio.run(upgrade_async(u)); print(asyncio.run(run(10_000, [('SQLite', u)])))"
"""

from __future__ import annotations

import gc
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from adapters.web import ical
from bot.clock import FrozenClock
from bot.i18n import Reader
from bot.orgconfig import OrgConfig
from bot.people.service import person_by_handle, sync_organisation
from bot.publishing import calendar, calendar_views, feeds
from storage.db import SessionMaker, create_sessionmaker
from storage.models import Base, ContentItem, Posting
from tests.bench.common import Row
from tests.bench.harness import REPEATS, listen, median_ms, per_database

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
COLD_REPEATS = 3
CHANNELS = ("linkedin", "instagram", "x")
FEED_TARGET = "<200 ms"


async def run(n_items: int, urls: list[tuple[str, str]]) -> list[Row]:
    """Rows for the feed and the week view per database; `urls` are migrated, empty databases."""
    return await per_database(n_items, urls, _measure)


async def _measure(engine: AsyncEngine, org: OrgConfig, label: str, n: int) -> list[Row]:
    maker = create_sessionmaker(engine)
    async with maker.begin() as session:
        await sync_organisation(session, org)
        await seed_postings(session, n)
        anna = await person_by_handle(session, "anna")
        assert anna is not None
        token = await feeds.issue(session, anna, now=NOW)
        if engine.dialect.name == "postgresql":
            await session.execute(text("ANALYZE"))
    # A server freezes what exists once it has started (bot/server.py: gc.freeze), so the
    # collector's full passes see only new objects. The feed is served from this process,
    # whose heap holds the bench and the seeding besides: unfrozen, a full pass over it fell
    # into a third of the rounds (+90-120 ms each), which no server pays.
    gc.collect()
    gc.freeze()
    try:
        rows = await _feed_rows(maker, org, label, n, token)
    finally:
        gc.unfreeze()
    week_ms = await median_ms(maker, lambda s: _week(s, org))
    count_ms = await median_ms(maker, _count)
    rows.append(
        Row(
            scenario=f"/desk kalender (this week), {n:,} postings",
            database=label,
            unit="ms",
            baseline=count_ms,
            measured=week_ms,
            note=f"baseline: SELECT count(*) over postings and items; median of {REPEATS}",
        )
    )
    return rows


async def seed_postings(session: AsyncSession, n: int, offset: int = 0) -> None:
    """Items `offset + 1` … `offset + n`, each approved with one posting, spread from 60 days
    before NOW (posted) to 300 days after (planned) over the three channels."""
    carla = await person_by_handle(session, "carla")
    assert carla is not None
    span = timedelta(days=360) / max(n, 1)
    items, postings = [], []
    for i in range(offset, offset + n):
        at = NOW - timedelta(days=60) + span * (i - offset)
        done = at < NOW
        items.append(
            {
                "id": i + 1,
                "submitter_id": carla.id,
                "title": f"Beitrag {i + 1}: Sommerfest, Messe & Co.",
                "approval_path": "standard",
                "status": "published" if done else "approved",
                "current_stage": 0,
                "channels": [CHANNELS[i % 3]],
                "publish_at": at,
                "created_at": at - timedelta(days=3),
                "updated_at": at,
            }
        )
        postings.append(
            {
                "id": i + 1,
                "item_id": i + 1,
                "channel": CHANNELS[i % 3],
                "status": "posted" if done else "planned",
                "planned_at": at,
                "wished_at": at,
                "revision": 1,
                "url": f"https://www.linkedin.com/feed/update/{i}" if done else None,
                "created_at": at - timedelta(days=2),
                "updated_at": at - timedelta(days=1),
            }
        )
    for table, values in (("content_items", items), ("postings", postings)):
        await session.execute(insert(Base.metadata.tables[table]), values)
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {offset + n + 1})")
            )


async def _feed_rows(
    maker: SessionMaker, org: OrgConfig, label: str, n: int, token: str
) -> list[Row]:
    """The feed and a static file of its size, over the same server and client."""
    app = web.Application()
    ical.mount(app, sessions=maker, org=org, clock=FrozenClock(NOW))
    with tempfile.TemporaryDirectory() as folder:
        static = Path(folder) / "same-size.ics"

        async def same_size(_: web.Request) -> web.StreamResponse:
            return web.FileResponse(static)

        app.router.add_get("/static.ics", same_size)
        runner, base = await listen(app)
        try:
            async with aiohttp.ClientSession() as http:
                feed_url = f"{base}/ical/{token}.ics"
                status, etag, body = await _get(http, feed_url)
                assert status == 200, status
                static.write_bytes(body)
                file_ms = await _http_ms(http, f"{base}/static.ics", REPEATS)
                cold = await _changed_ms(http, maker, feed_url, COLD_REPEATS, cold=True)
                warm = await _changed_ms(http, maker, feed_url, REPEATS, cold=False)
                _, etag, _ = await _get(http, feed_url)
                unchanged = await _http_ms(http, feed_url, REPEATS, {"If-None-Match": etag})
        finally:
            await runner.cleanup()
    size = f"{len(body) / 1e6:.1f} MB"
    note = f"baseline: a static file of the feed's size ({size}) from the same server"
    return [
        Row(
            scenario=f"iCal feed, {n:,} postings, first fetch (all rendered)",
            database=label,
            unit="ms",
            baseline=file_ms,
            measured=cold,
            note=note + f"; median of {COLD_REPEATS}",
        ),
        Row(
            scenario=f"iCal feed, {n:,} postings, after one changed",
            database=label,
            unit="ms",
            baseline=file_ms,
            measured=warm,
            target=FEED_TARGET,
            note=note + f"; median of {REPEATS}",
        ),
        Row(
            scenario=f"iCal feed, {n:,} postings, unchanged (304)",
            database=label,
            unit="ms",
            baseline=file_ms,
            measured=unchanged,
            target=FEED_TARGET,
            note=note + f"; median of {REPEATS}",
        ),
    ]


async def _get(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None
) -> tuple[int, str, bytes]:
    async with http.get(url, headers=headers or {}) as resp:
        return resp.status, resp.headers.get("ETag", ""), await resp.read()


async def _http_ms(
    http: aiohttp.ClientSession, url: str, repeats: int, headers: dict[str, str] | None = None
) -> float:
    times = []
    for round_ in range(repeats + 1):
        started = time.perf_counter()
        await _get(http, url, headers)
        if round_:  # the first round warms the connection
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def _changed_ms(
    http: aiohttp.ClientSession, maker: SessionMaker, url: str, repeats: int, *, cold: bool
) -> float:
    """Each round one posting changes (a new ETag); `cold` also forgets every rendered event."""
    times = []
    for round_ in range(repeats):
        async with maker.begin() as session:
            await session.execute(
                update(Posting)
                .where(Posting.id == round_ + 1 + (0 if cold else COLD_REPEATS))
                .values(revision=Posting.revision + 1, updated_at=NOW)
            )
        if cold:
            ical._event.cache_clear()  # as after a restart: no event rendered yet
        started = time.perf_counter()
        status, _, _ = await _get(http, url)
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
    return statistics.median(times)


async def _week(session: AsyncSession, org: OrgConfig) -> object:
    week = await calendar.week(session, org, now=NOW, locale="de")
    reader = Reader("de", org.organization.tz)
    return calendar_views.week_message(reader, org, week, next_week=False)


async def _count(session: AsyncSession) -> object:
    query: Any = (
        select(func.count())
        .select_from(Posting)
        .join(ContentItem, ContentItem.id == Posting.item_id)
    )
    return await session.scalar(query)
