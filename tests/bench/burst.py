"""A burst of `/submit` on top of a pipeline of existing items: every command acknowledged is
kept and answered, and the process stays small while the burst waits in the inbox.

Baseline, same run: a bare slack-bolt app that only acknowledges the same signed commands
(the least any app must do before Slack's three seconds are up), in acknowledged commands/s.
Measured: socialdesk acknowledging (recording) the same commands, in commands/s; then the time
until every submitter has their confirmation. Peak RSS is the bot process's own high-water
mark (VmHWM), beside the bare app's; each runs in its own process, the load generator and the
fake Slack in the bench process.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from bot.orgconfig import load_config
from bot.people.service import sync_organisation
from storage.db import create_engine, create_sessionmaker
from tests.bench.common import Row
from tests.bench.harness import bare_bolt, load, socialdesk, until
from tests.bench.processes import ROOT
from tests.bench.replica import bot_env
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


def _commands(slack: SlackClient, n: int) -> list[Any]:
    users = list(PEOPLE)
    return [
        lambda i=i: slack.command(users[i % len(users)], "/submit", f"Burst {i}") for i in range(n)
    ]


async def bare_bolt_acks(n: int, url: str, fake: FakeSlackApi) -> tuple[float, float]:
    """(acknowledged commands/s, peak RSS MB) of the bare bolt app in its own process."""
    async with bare_bolt(url, fake) as (child, slack):
        elapsed, _ = await load(_commands(slack, n), CONCURRENCY)
        return n / elapsed, child.peak_rss_mb()


async def seeded(url: str, items: int) -> None:
    """The example organisation and `items` items in the database, before the bot starts."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            await sync_organisation(session, load_config(ROOT / "socialdesk.example.yaml"))
            await seed(session, items, datetime.now(UTC), offset=0)
    finally:
        await engine.dispose()


async def socialdesk_burst(
    n: int, items: int, url: str, fake: FakeSlackApi
) -> tuple[float, float, Counter[int], int, float]:
    """(acks/s, seconds until all answered, HTTP statuses, lost, the bot's peak RSS MB)."""
    for user, email in PEOPLE.items():
        fake.add_user(user, email)
    await seeded(url, items)
    async with socialdesk(bot_env(url, fake), fake) as (bot, slack):
        statuses: Counter[int] = Counter()

        async def command(request: Any) -> None:
            resp = await request()
            statuses[resp.status] += 1

        started = time.perf_counter()
        elapsed, _ = await load([lambda r=r: command(r) for r in _commands(slack, n)], CONCURRENCY)
        answered_at = await until(
            lambda: len({r["_url"] for r in fake.responses}) >= n, within=1800
        )
        peak = bot.peak_rss_mb()
    lost = n - len({r["_url"] for r in fake.responses})
    return n / elapsed, answered_at - started, statuses, lost, peak


async def run(n: int, items: int, urls: list[tuple[str, str]]) -> list[Row]:
    rows: list[Row] = []
    for label, url in urls:
        fake = FakeSlackApi()
        await fake.start()
        try:
            base, base_rss = await bare_bolt_acks(n, url, fake)
            acks, answered, statuses, lost, rss = await socialdesk_burst(n, items, url, fake)
        finally:
            await fake.stop()
        refused = n - statuses[200]
        scenario = f"{n} /submit at c={CONCURRENCY} on {items} items"
        rows.append(
            Row(
                f"{scenario}: acknowledged",
                label,
                "commands/s",
                base,
                acks,
                note=f"baseline: bare bolt app, ack only; all answered after {answered:.1f} s; "
                f"{refused} refused",
                lost=lost,
            )
        )
        rows.append(
            Row(
                f"{scenario}: bot's peak RSS",
                label,
                "MB",
                base_rss,
                rss,
                note="VmHWM of the bot's process; baseline: the bare bolt app's over its burst",
                target="<250 MB",
            )
        )
    return rows
