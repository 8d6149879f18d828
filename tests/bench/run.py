"""`make bench`: end-to-end cost of socialdesk against a baseline measured in the same run.

Baseline: slack_sdk posting the same number of messages straight to the fake Slack Web API.
Measured: colleagues typing `/submit` (signed HTTP requests to the real server) until each
approver's card has arrived at the same fake API — engine, database, outbox and dispatcher.
Figures are ratios, because absolute times say more about the machine than about the code.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot import migrate
from bot.server import create_app
from bot.settings import Settings
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_client import SlackClient
from tests.support import eventually

N = int(os.environ.get("SOCIALDESK_BENCH_N", "100"))
ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("SOCIALDESK_BENCH_POSTGRES_URL")


async def baseline(fake: FakeSlackApi) -> float:
    client = AsyncWebClient(token="xoxb-bench", base_url=fake.api_url)
    started = time.perf_counter()
    for n in range(N):
        await client.chat_postMessage(channel="D0BEN", text=f"Beitrag {n}")
    return time.perf_counter() - started


async def submissions(fake: FakeSlackApi, database_url: str) -> float:
    settings = Settings(
        _env_file=None,
        SOCIALDESK_DATABASE_URL=database_url,
        SOCIALDESK_CONFIG=ROOT / "socialdesk.example.yaml",
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET="bench",
        SLACK_API_URL=fake.api_url,
        SOCIALDESK_SCHEDULER=False,
    )
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client = SlackClient(f"http://127.0.0.1:{port}", "bench", f"{fake.url}/response")
    fake.add_user("U0CARLA", "carla@beispiel.de")
    fake.add_user("U0BEN", "ben@beispiel.de")
    try:
        started = time.perf_counter()
        for n in range(N):
            await client.command("U0CARLA", "/submit", f"Beitrag {n}")
        await eventually(lambda: len(fake.dms_to("U0BEN")) >= N, within=600, interval=0.005)
        return time.perf_counter() - started
    finally:
        await runner.cleanup()


async def main() -> int:
    rows: list[tuple[str, float]] = []
    fake = FakeSlackApi()
    await fake.start()
    try:
        base = await baseline(fake)
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            await migrate.upgrade_async(url)
            rows.append(("submit → card delivered (SQLite)", await submissions(fake, url)))
        if PG_URL:
            await migrate.upgrade_async(PG_URL)
            rows.append(("submit → card delivered (PostgreSQL)", await submissions(fake, PG_URL)))
    finally:
        await fake.stop()
    print(f"{N} operations each; baseline = slack_sdk chat.postMessage to the same fake API")
    print(f"{'baseline':40s} {base / N * 1000:8.2f} ms/op   1.00×")
    for name, seconds in rows:
        print(f"{name:40s} {seconds / N * 1000:8.2f} ms/op {seconds / base:6.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
