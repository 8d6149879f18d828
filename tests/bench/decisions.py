"""Decisions end to end: an approver's click → the database → the submitter told and the card
updated, at concurrency 16.

Baseline, same run, same database and fake Slack: a bare slack-bolt app doing the irreducible
work of a decision — one UPDATE and one INSERT in a transaction and one `chat.postMessage`.
Also reported: the acknowledgement p99 of the same signed clicks, against the bare app's.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

from storage.db import create_engine
from tests.bench.common import Row
from tests.bench.harness import SECRET, listen, load, percentile, settings_for, socialdesk, until
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_client import SlackClient
from tests.support import buttons

CARLA, BEN, ANNA = "U0CARLA", "U0BEN", "U01ANNA"
CONCURRENCY = 16


async def bare_bolt(n: int, url: str, fake: FakeSlackApi) -> tuple[float, list[float]]:
    """The least a bolt app can do per decision, on the same database."""
    db = create_engine(url)
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
    client = AsyncWebClient(token="xoxb-bench", base_url=fake.api_url)
    bolt = AsyncApp(client=client, signing_secret=SECRET)
    channel = "D0BASELINE"

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
        await client.chat_postMessage(channel=channel, text=f"#{decision} freigegeben")

    app = web.Application()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app.router.add_post("/slack/events", events)
    runner, base = await listen(app)
    slack = SlackClient(base, SECRET, f"{fake.url}/response")
    before = len(fake.posts_in(channel))
    try:
        started = time.perf_counter()
        _, acks = await load(
            [lambda i=i: slack.click(BEN, "approve", str(i)) for i in range(n)], CONCURRENCY
        )
        done = await until(lambda: len(fake.posts_in(channel)) - before >= n)
    finally:
        await runner.cleanup()
        await db.dispose()
    return done - started, acks


async def socialdesk_decisions(
    n: int, url: str, fake: FakeSlackApi, *, replicas: int = 1, **extra: Any
) -> tuple[float, list[float]]:
    """n items at Anna's stage (submitted by Carla, approved by Ben: not timed), then Anna's n
    approvals, timed until Carla was told of each and each of Anna's cards was updated. With
    several replicas on one database, the clicks are spread over them."""
    fake.add_user(CARLA, "carla@beispiel.de")
    fake.add_user(BEN, "ben@beispiel.de")
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            (await stack.enter_async_context(socialdesk(settings_for(url, fake, **extra), fake)))[1]
            for _ in range(replicas)
        ]
        slack = clients[0]
        await load(
            [lambda i=i: slack.command(CARLA, "/submit", f"Beitrag {i}") for i in range(n)], 8
        )
        await until(lambda: len(fake.dms_to(BEN)) >= n)
        values = [buttons(p.blocks)["approval.approve"] for p in fake.dms_to(BEN)[:n]]
        await load([lambda v=v: slack.click(BEN, "approval.approve", v) for v in values], 8)
        await until(lambda: len(fake.dms_to(ANNA)) >= n)
        cards = fake.dms_to(ANNA)[:n]
        told_before = len(fake.dms_to(CARLA))
        started = time.perf_counter()
        _, acks = await load(
            [
                lambda c=c, k=k: clients[k % replicas].click(
                    ANNA, "approval.approve", buttons(c.blocks)["approval.approve"]
                )
                for k, c in enumerate(cards)
            ],
            CONCURRENCY,
        )
        done = await until(
            lambda: len(fake.dms_to(CARLA)) - told_before >= n and all(c.updates for c in cards)
        )
    return done - started, acks


async def run(n: int, urls: list[tuple[str, str]]) -> list[Row]:
    rows: list[Row] = []
    for label, url in urls:
        fake = FakeSlackApi()
        await fake.start()
        try:
            base_time, base_acks = await bare_bolt(n, url, fake)
            ours_time, our_acks = await socialdesk_decisions(n, url, fake)
        finally:
            await fake.stop()
        rows.append(
            Row(
                f"{n} decisions end to end, c={CONCURRENCY}",
                label,
                "decisions/s",
                n / base_time,
                n / ours_time,
                note="baseline: bare bolt app, UPDATE+INSERT + chat.postMessage",
                target="≥ 0.5×",
            )
        )
        rows.append(
            Row(
                f"ack p99 of {n} signed clicks, c={CONCURRENCY}",
                label,
                "ms",
                percentile(base_acks, 99) * 1000,
                percentile(our_acks, 99) * 1000,
                note="baseline: the same bare bolt app's ack; target: < 50 ms absolute",
            )
        )
    return rows


async def scale_out(n: int, one: str, two: str) -> Row:
    """Adding a replica adds throughput: the decision path on 2 replicas sharing one
    PostgreSQL database against 1 replica, each on a fresh database, same run."""
    timings = []
    for url, count in ((one, 1), (two, 2)):
        fake = FakeSlackApi()
        await fake.start()
        try:
            timings.append((await socialdesk_decisions(n, url, fake, replicas=count))[0])
        finally:
            await fake.stop()
    return Row(
        f"{n} decisions, 2 replicas vs 1",
        "PostgreSQL",
        "decisions/s",
        n / timings[0],
        n / timings[1],
        note="baseline: the same decisions on one replica",
    )
