"""A burst of `/submit` on top of a pipeline of existing items: every command acknowledged is
kept and answered, and the process stays small while the burst waits in the inbox.

Baseline, same run: a bare slack-bolt app that only acknowledges the same signed commands
(the least any app must do before Slack's three seconds are up), in acknowledged commands/s.
Measured: socialdesk acknowledging (recording) the same commands, in commands/s; then the time
until every submitter has their confirmation. Peak RSS is sampled over the whole run.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from tests.bench.common import Row
from tests.bench.harness import SECRET, listen, load, settings_for, socialdesk, until
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_client import SlackClient
from tests.reports_support import seed

PEOPLE = {
    "U0CARLA": "carla@beispiel.de",
    "U0FELIX": "felix@beispiel.de",
    "U0DAVID": "david@beispiel.de",
    "U0EVA": "eva@beispiel.de",
    "U0BEN": "ben@beispiel.de",
    "U01ANNA": "anna@beispiel.de",
}
CONCURRENCY = 8


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.asynccontextmanager
async def peak_rss() -> AsyncIterator[list[float]]:
    peak = [rss_mb()]

    async def sample() -> None:
        while True:
            peak[0] = max(peak[0], rss_mb())
            await asyncio.sleep(0.05)

    task = asyncio.create_task(sample())
    try:
        yield peak
    finally:
        task.cancel()


def _commands(slack: SlackClient, n: int) -> list[Any]:
    users = list(PEOPLE)
    return [
        lambda i=i: slack.command(users[i % len(users)], "/submit", f"Burst {i}") for i in range(n)
    ]


async def bare_bolt_acks(n: int, fake: FakeSlackApi) -> float:
    bolt = AsyncApp(
        client=AsyncWebClient(token="xoxb-bench", base_url=fake.api_url), signing_secret=SECRET
    )

    @bolt.command("/submit")
    async def submit(ack: Any) -> None:
        await ack()

    app = web.Application()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app.router.add_post("/slack/events", events)
    runner, base = await listen(app)
    try:
        elapsed, _ = await load(
            _commands(SlackClient(base, SECRET, f"{fake.url}/response"), n), CONCURRENCY
        )
    finally:
        await runner.cleanup()
    return n / elapsed


async def socialdesk_burst(
    n: int, items: int, url: str, fake: FakeSlackApi
) -> tuple[float, float, Counter[int], int, float]:
    """(acks/s, seconds until all answered, HTTP statuses, lost, peak RSS MB)."""
    for user, email in PEOPLE.items():
        fake.add_user(user, email)
    async with socialdesk(settings_for(url, fake), fake) as (runtime, slack):
        async with runtime.sessions.begin() as session:
            await seed(session, items, datetime.now(UTC), offset=0)
        statuses: Counter[int] = Counter()

        async def command(request: Any) -> None:
            resp = await request()
            statuses[resp.status] += 1

        async with peak_rss() as peak:
            started = time.perf_counter()
            elapsed, _ = await load(
                [lambda r=r: command(r) for r in _commands(slack, n)], CONCURRENCY
            )
            answered_at = await until(
                lambda: len({r["_url"] for r in fake.responses}) >= n, within=1800
            )
        lost = n - len({r["_url"] for r in fake.responses})
    return n / elapsed, answered_at - started, statuses, lost, peak[0]


async def run(n: int, items: int, urls: list[tuple[str, str]]) -> list[Row]:
    rows: list[Row] = []
    for label, url in urls:
        fake = FakeSlackApi()
        await fake.start()
        try:
            base = await bare_bolt_acks(n, fake)
            acks, answered, statuses, lost, rss = await socialdesk_burst(n, items, url, fake)
        finally:
            await fake.stop()
        refused = n - statuses[200]
        rows.append(
            Row(
                f"{n} /submit at c={CONCURRENCY} on {items} items: acknowledged",
                label,
                "commands/s",
                base,
                acks,
                note=f"baseline: bare bolt app, ack only; all answered after {answered:.1f} s; "
                f"{refused} refused, peak RSS {rss:.0f} MB",
                lost=lost,
            )
        )
    return rows
