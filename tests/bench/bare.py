"""`python -m tests.bench.bare`: the baseline — a bare slack-bolt app in its own process,
started like a socialdesk replica (tests/bench/processes.py), so a ratio compares like with like.

It does the least an app must do: `/submit` is only acknowledged; an `approve` click is
acknowledged, then one UPDATE and one INSERT in a transaction (on the tables
`prepare_decisions` made) and one `chat.postMessage` — the irreducible work of a decision.
Environment: SOCIALDESK_DATABASE_URL, SLACK_API_URL, SLACK_SIGNING_SECRET.
"""

from __future__ import annotations

import os
import time
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

from storage.db import create_engine
from tests.bench.processes import serve

CHANNEL = "D0BASELINE"


async def prepare_decisions(url: str, n: int) -> None:
    """The baseline's own two tables, `n` decisions pending (run by the bench process)."""
    db = create_engine(url)
    try:
        async with db.begin() as conn:
            await conn.execute(text("DROP TABLE IF EXISTS bench_decisions"))
            await conn.execute(text("DROP TABLE IF EXISTS bench_log"))
            await conn.execute(
                text("CREATE TABLE bench_decisions (id INTEGER PRIMARY KEY, status VARCHAR(16))")
            )
            await conn.execute(text("CREATE TABLE bench_log (id INTEGER, at VARCHAR(40))"))
            await conn.execute(
                text("INSERT INTO bench_decisions (id, status) VALUES (:id, 'pending')"),
                [{"id": i} for i in range(n)],
            )
    finally:
        await db.dispose()


def bare_app() -> web.Application:
    db = create_engine(os.environ["SOCIALDESK_DATABASE_URL"])
    client = AsyncWebClient(token="xoxb-bench", base_url=os.environ["SLACK_API_URL"])
    bolt = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @bolt.command("/submit")
    async def submit(ack: Any) -> None:
        await ack()

    @bolt.action("approve")
    async def approve(ack: Any, action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        decision = int(action["value"])
        async with db.begin() as conn:
            await conn.execute(
                text("UPDATE bench_decisions SET status = 'approved' WHERE id = :id"),
                {"id": decision},
            )
            await conn.execute(
                text("INSERT INTO bench_log (id, at) VALUES (:id, :at)"),
                {"id": decision, "at": str(time.time())},
            )
        await client.chat_postMessage(channel=CHANNEL, text=f"#{decision} freigegeben")

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def dispose(_: web.Application) -> None:
        await db.dispose()

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.on_cleanup.append(dispose)
    return app


if __name__ == "__main__":
    serve(bare_app)
