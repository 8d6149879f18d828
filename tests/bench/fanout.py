"""The weekly meeting's reminder to every contributor through a Slack that allows R
`chat.postMessage` per second (429 with Retry-After beyond), while a colleague keeps typing
commands.

Baseline, same run: the floor, N / R seconds — no sender can be faster than the limit.
Measured: from the reminder being due to the last DM delivered; the first DM's delay; and the
reply time of a colleague's `/desk help` typed every quarter second meanwhile (people who
just acted go before the bulk). Counted: DMs lost and DMs delivered twice.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.server import RUNTIME, create_app
from tests.bench.common import Row
from tests.bench.harness import ROOT, SECRET, listen, percentile, settings_for
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_client import SlackClient

RATE = 50
# Monday 7 December 2026, 09:00 UTC = 10:00 in Berlin: the 24 h reminder before Tuesday's
# meeting is due.
DUE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class RunningClock:
    """Real time, moved to where the test says: timers see the due date, the dispatcher's
    waits still pass."""

    def __init__(self, start: datetime) -> None:
        self.set(start)

    def set(self, value: datetime) -> None:
        self._base, self._mono = value, time.monotonic()

    def now(self) -> datetime:
        return self._base + timedelta(seconds=time.monotonic() - self._mono)


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


async def fan_out(n: int, url: str, folder: Path) -> dict[str, Any]:
    fake = FakeSlackApi()
    await fake.start()
    for i in range(n):
        fake.add_user(f"U{i:06d}", f"p{i}@beispiel.de")
    fake.add_user("U0BEN", "ben@beispiel.de")
    clock = RunningClock(DUE - timedelta(hours=1))
    settings = settings_for(url, fake, config=organisation(n, folder))
    app = create_app(settings, clock=clock)
    runner, base = await listen(app)
    runtime = app[RUNTIME]
    slack = SlackClient(base, SECRET, f"{fake.url}/response")
    try:
        await runtime.scheduler.runner.run_due()  # plans the week's reminders
        fake.limit_rate("chat.postMessage", RATE)
        clock.set(DUE)
        started = time.perf_counter()
        firing = asyncio.create_task(runtime.scheduler.runner.run_due())
        runtime.dispatcher.notify()
        through = asyncio.Event()
        replies = asyncio.create_task(colleague_types(slack, fake, through))
        first = await _when(lambda: _reminded(fake) > 0, 0.002)
        await firing
        runtime.dispatcher.notify()
        last = await _when(lambda: _reminded(fake) >= n, 0.05)
        through.set()
        latencies = await replies
    finally:
        await runner.cleanup()
        await fake.stop()
    dms = Counter(m.channel for m in fake.messages.values() if _bench_dm(m.channel))
    return {
        "elapsed": last - started,
        "first": first - started,
        "lost": n - len(dms),
        "twice": sum(1 for c in dms.values() if c > 1),
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
    }


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


async def run(n: int, urls: list[tuple[str, str]], folder: Path) -> list[Row]:
    rows: list[Row] = []
    floor = n / RATE
    for label, url in urls:
        result = await fan_out(n, url, folder)
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
    return rows
