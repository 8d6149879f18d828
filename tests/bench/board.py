"""The board at scale: the pipeline page (/board/) and the month's calendar
(/board/calendar?view=month) over `n_items` items, as a signed-in browser asks for them.

The database gets half the items as a review pipeline (tests/reports_support.py: every stage,
80 % of them waiting for Ben) and half approved with one posting each, spread over the year
around NOW (tests/bench/calendar.py), so both pages have a full plan to show. The bot runs in
its own process (tests/bench/processes.py) with its clock at NOW; a board session for Anna is
written straight into the database, as the sign-in link's exchange would write it.

Each page is fetched over HTTP from the bench process, one warm-up, then the median of
REPEATS. Baseline, same run, same server, same middlewares: the board's sign-in page for a
malformed link — an aiohttp-jinja2 page that asks no database.
"""

from __future__ import annotations

import secrets
import statistics
import time
from datetime import timedelta

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.web.board.auth import COOKIE, PATH
from bot.board.signin import SESSION_LIFETIME, TOKEN_BYTES, Signer, digest
from bot.orgconfig import OrgConfig
from bot.people.service import person_by_handle, sync_organisation
from storage.db import create_sessionmaker
from storage.models import BoardSession
from tests.bench.calendar import NOW, seed_postings
from tests.bench.common import Row
from tests.bench.harness import REPEATS, per_database, socialdesk
from tests.bench.processes import Child
from tests.bench.replica import BOARD_KEY, bot_env
from tests.fakes.slack_api import FakeSlackApi
from tests.reports_support import seed

PAGES = {"pipeline": f"{PATH}/", "calendar": f"{PATH}/calendar?view=month"}
BASELINE = f"{PATH}/signin/not-a-link"
TARGET = "<200 ms"


async def run(n_items: int, urls: list[tuple[str, str]]) -> list[Row]:
    """One Row per page and database; `urls` are migrated, empty databases."""
    return await per_database(n_items, urls, _measure)


async def _measure(engine: AsyncEngine, org: OrgConfig, label: str, n: int) -> list[Row]:
    cookie = await _seeded(engine, org, n)
    fake = FakeSlackApi()
    await fake.start()
    try:
        env = bot_env(engine.url.render_as_string(hide_password=False), fake)
        async with (
            socialdesk(env, fake, "--at", NOW.isoformat()) as (bot, _),
            aiohttp.ClientSession(headers={"Cookie": f"{COOKIE}={cookie}"}) as http,
        ):
            baseline = await _median_ms(http, bot, BASELINE, page=False)
            pages = {name: await _median_ms(http, bot, path) for name, path in PAGES.items()}
    finally:
        await fake.stop()
    return [
        Row(
            scenario=f"board {name} {PAGES[name]}, {n:,} items",
            database=label,
            unit="ms",
            baseline=baseline,
            measured=ms,
            target=TARGET,
            note="baseline: the board's sign-in page for a malformed link (a template, no "
            f"database) from the same server; median of {REPEATS}",
        )
        for name, ms in pages.items()
    ]


async def _seeded(engine: AsyncEngine, org: OrgConfig, n: int) -> str:
    """The items, and a live board session for Anna: the cookie her browser would hold."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    async with create_sessionmaker(engine).begin() as session:
        await sync_organisation(session, org)
        await seed(session, n // 2, NOW)
        await seed_postings(session, n - n // 2, offset=n // 2)
        anna = await person_by_handle(session, "anna")
        assert anna is not None
        session.add(
            BoardSession(
                person_id=anna.id,
                token_hash=digest(token),
                created_at=NOW - timedelta(hours=1),
                expires_at=NOW + SESSION_LIFETIME,
            )
        )
    return Signer(BOARD_KEY.encode()).cookie(token)


async def _median_ms(
    http: aiohttp.ClientSession, bot: Child, path: str, *, page: bool = True
) -> float:
    """One warm-up request, then the median of REPEATS. A page answers 200; the baseline
    (the expired-link page) any status short of a server error, but with its template."""
    times = []
    for round_ in range(REPEATS + 1):
        started = time.perf_counter()
        async with http.get(f"{bot.url}{path}", allow_redirects=False) as resp:
            body = await resp.read()
        elapsed = (time.perf_counter() - started) * 1000
        assert body and (resp.status == 200 if page else resp.status < 500), (path, resp.status)
        if round_:
            times.append(elapsed)
    return statistics.median(times)
