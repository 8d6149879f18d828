"""The weekly meeting's reminder to every contributor through a Slack that allows R
`chat.postMessage` per second (429 with Retry-After beyond), while a colleague keeps typing
commands.

Baseline, same run: the floor, N / R seconds — no sender can be faster than the limit.
Measured: from the reminder being due to the last DM delivered; the first DM's delay; and the
reply time of a colleague's `/desk help` typed every quarter second meanwhile (people who
just acted go before the bulk). Counted: DMs lost and DMs delivered twice.

The database also holds `items` items (tests/reports_support.py), and the bot's own process
(tests/bench/processes.py; the fake Slack and Ben's typing stay in the bench process) is
measured at rest before the fan-out and sampled during it, beside a bare bolt app's RSS at
rest.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from bot.orgconfig import load_config
from bot.people.service import sync_organisation
from storage.db import create_engine, create_sessionmaker
from tests.bench.common import Row
from tests.bench.harness import bare_bolt, percentile, socialdesk
from tests.bench.processes import ROOT, Child
from tests.bench.replica import bot_env
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_client import SlackClient
from tests.reports_support import seed

RATE = 50
# Monday 7 December 2026, 09:00 UTC = 10:00 in Berlin: the 24 h reminder before Tuesday's
# meeting is due.
DUE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
IDLE_SAMPLES = 5


def organisation(n: int, folder: Path) -> Path:
    raw: dict[str, Any] = yaml.safe_load(
        (ROOT / "socialdesk.example.yaml").read_text(encoding="utf-8")
    )
    people = [
        {"handle": f"p{i}", "name": f"Person {i}", "email": f"p{i}@beispiel.de"} for i in range(n)
    ]
    raw["people"].extend(people)
    raw["departments"].append(
        {
            "id": "vertrieb",
            "name": "Vertrieb",
            "lead": "ben",
            "members": [p["handle"] for p in people],
            "approval_path": "standard",
        }
    )
    path = folder / "org.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


async def fan_out(n: int, items: int, url: str, folder: Path) -> dict[str, Any]:
    fake = FakeSlackApi()
    await fake.start()
    for i in range(n):
        fake.add_user(f"U{i:06d}", f"p{i}@beispiel.de")
    fake.add_user("U0BEN", "ben@beispiel.de")
    try:
        config = organisation(n, folder)
        await _seed(url, config, items)
        async with bare_bolt(url, fake) as (bare, slack):
            base_rss = await idle_rss(bare, slack, "/submit")
        env = bot_env(url, fake, SOCIALDESK_CONFIG=config)
        at = ("--at", (DUE - timedelta(hours=1)).isoformat())
        async with socialdesk(env, fake, *at) as (bot, slack):
            result = {"idle_rss": await idle_rss(bot, slack, "/desk"), "base_rss": base_rss}
            result |= await _through(bot, slack, fake, n)
    finally:
        await fake.stop()
    dms = Counter(m.channel for m in fake.messages.values() if _bench_dm(m.channel))
    return result | {"lost": n - len(dms), "twice": sum(1 for c in dms.values() if c > 1)}


async def _seed(url: str, config: Path, items: int) -> None:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            await sync_organisation(session, load_config(config))
            await seed(session, items, DUE - timedelta(hours=1))
    finally:
        await engine.dispose()


async def idle_rss(child: Child, slack: SlackClient, command: str) -> float:
    """The process's RSS at rest a second after it answered one command: the median of a
    few samples over another second."""
    resp = await slack.command("U0BEN", command, "help")
    assert resp.status == 200, resp.status
    await asyncio.sleep(1.0)
    samples = []
    for _ in range(IDLE_SAMPLES):
        samples.append(child.rss_mb())
        await asyncio.sleep(1.0 / IDLE_SAMPLES)
    return statistics.median(samples)


async def _through(bot: Child, slack: SlackClient, fake: FakeSlackApi, n: int) -> dict[str, Any]:
    """The fan-out, timed from the reminder being due, with Ben typing and the bot's RSS
    sampled meanwhile."""
    async with aiohttp.ClientSession() as http:
        await _due(http, bot, DUE - timedelta(hours=1))  # plans the week's reminders
        fake.limit_rate("chat.postMessage", RATE)
        started = time.perf_counter()
        firing = asyncio.create_task(_due(http, bot, DUE))
        through = asyncio.Event()
        replies = asyncio.create_task(colleague_types(slack, fake, through))
        rss = asyncio.create_task(_peak_rss(bot, through))
        try:
            first = await _when(lambda: _reminded(fake) > 0, 0.002)
            await firing
            last = await _when(lambda: _reminded(fake) >= n, 0.05)
        finally:
            through.set()
        latencies = await replies
    return {
        "elapsed": last - started,
        "first": first - started,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "rss": await rss,
    }


async def _due(http: aiohttp.ClientSession, bot: Child, at: datetime) -> None:
    async with http.post(f"{bot.url}/_bench/due", params={"at": at.isoformat()}) as resp:
        assert resp.status == 200, resp.status


async def _peak_rss(child: Child, through: asyncio.Event) -> float:
    peak = child.rss_mb()
    while not through.is_set():
        peak = max(peak, child.rss_mb())
        await asyncio.sleep(0.05)
    return peak


def _bench_dm(channel: str) -> bool:
    return channel.startswith("DU") and channel[2:].isdigit()


def _reminded(fake: FakeSlackApi) -> int:
    return sum(1 for channel, _ in list(fake.messages) if _bench_dm(channel))


async def colleague_types(
    slack: SlackClient, fake: FakeSlackApi, through: asyncio.Event
) -> list[float]:
    """Ben asks for help every 250 ms until the fan-out is through; his reply times."""
    latencies: list[float] = []
    while not through.is_set():
        seen = len(fake.responses)
        sent = time.perf_counter()
        resp = await slack.command("U0BEN", "/desk", "help")
        assert resp.status == 200
        await _when(lambda s=seen: len(fake.responses) > s, 0.005)
        latencies.append(time.perf_counter() - sent)
        await asyncio.sleep(0.25)
    return latencies


async def _when(predicate: Any, interval: float, within: float = 1800) -> float:
    deadline = time.perf_counter() + within
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("fan-out bench condition not met")
        await asyncio.sleep(interval)
    return time.perf_counter()


async def run(n: int, items: int, urls: list[tuple[str, str]], folder: Path) -> list[Row]:
    rows: list[Row] = []
    floor = n / RATE
    for label, url in urls:
        result = await fan_out(n, items, url, folder)
        rows.append(
            Row(
                f"{n} meeting reminders at {RATE} chat.postMessage/s",
                label,
                "s",
                floor,
                result["elapsed"],
                note=f"baseline: the rate limit's floor; first DM after {result['first']:.2f} s",
                target="≤ 1.15×",
                lost=result["lost"],
                twice=result["twice"],
            )
        )
        rows.append(
            Row(
                "a colleague's reply during that fan-out, p99",
                label,
                "s",
                result["p50"],
                result["p99"],
                note="baseline: the same replies' p50; target: p99 < 2 s absolute",
            )
        )
        rows.extend(
            Row(
                f"bot's RSS {what}, {items:,} items",
                label,
                "MB",
                result["base_rss"],
                result[key],
                note=f"{how} of the bot's process; baseline: the bare bolt app's RSS at rest",
                target="<150 MB",
            )
            for what, key, how in (
                ("idle", "idle_rss", "VmRSS at rest (median)"),
                ("during that fan-out", "rss", "the highest VmRSS sampled every 50 ms"),
            )
        )
    return rows
