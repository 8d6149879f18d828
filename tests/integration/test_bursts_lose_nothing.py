"""Whatever socialdesk acknowledges, it keeps: a burst larger than the database pool waits in
the inbox and every submitter hears back; a kill -9 with work in the inbox loses nothing and
does nothing twice after the restart."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from storage.db import create_engine, create_sessionmaker
from storage.models import ContentItem, InboxEvent
from tests.conftest import EXAMPLE_CONFIG, SIGNING_SECRET, serve
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_client import SlackClient
from tests.support import eventually, eventually_async

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = {
    "U0CARLA": "carla@beispiel.de",
    "U0FELIX": "felix@beispiel.de",
    "U0DAVID": "david@beispiel.de",
    "U0EVA": "eva@beispiel.de",
}


async def _burst(client: SlackClient, n: int, concurrency: int) -> Counter[int]:
    """n `/submit` commands from four colleagues, `concurrency` at a time; HTTP statuses."""
    users = list(PEOPLE)
    gate = asyncio.Semaphore(concurrency)
    statuses: Counter[int] = Counter()

    async def one(i: int) -> None:
        async with gate:
            resp = await client.command(users[i % len(users)], "/submit", f"Beitrag {i}")
            statuses[resp.status] += 1

    await asyncio.gather(*(one(i) for i in range(n)))
    return statuses


async def _items(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(ContentItem)) or 0)
    finally:
        await engine.dispose()


async def test_a_burst_larger_than_the_pool_loses_nothing(
    settings: Settings, fake_slack: FakeSlackApi, database_url: str
) -> None:
    for user, email in PEOPLE.items():
        fake_slack.add_user(user, email)
    small = settings.model_copy(update={"db_pool_size": 2, "workers": 2})
    n = 120
    async with serve(small, fake_slack) as bot:
        statuses = await _burst(bot.slack, n, concurrency=24)
        assert statuses == Counter({200: n})  # nothing refused: the burst waits in the inbox
        await eventually(lambda: len(fake_slack.responses) >= n, within=120)
    answered = Counter(r["_url"] for r in fake_slack.responses)
    assert len(answered) == n, "every submitter heard back"
    assert await _items(database_url) == n
    print(f"burst: {n} acknowledged, {len(answered)} answered, {n - len(answered)} lost")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve_env(fake_slack: FakeSlackApi, database_url: str, tmp_path: Path) -> dict[str, str]:
    """`socialdesk serve` with one inbox worker (so a burst waits in the inbox) and the fake
    Slack, which knows the four colleagues."""
    for user, email in PEOPLE.items():
        fake_slack.add_user(user, email)
    return {
        **os.environ,
        "SOCIALDESK_DATABASE_URL": database_url,
        "SOCIALDESK_CONFIG": str(EXAMPLE_CONFIG),
        "SOCIALDESK_DATA_DIR": str(tmp_path / "files"),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "SOCIALDESK_WORKERS": "1",
        "SOCIALDESK_SCHEDULER": "false",
        # Deliveries the killed process had leased wait for their lease to run out.
        "SOCIALDESK_OUTBOX_LEASE": "3",
    }


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("socialdesk serve did not start")


async def test_kill_9_with_work_in_the_inbox_loses_nothing(
    fake_slack: FakeSlackApi, database_url: str, tmp_path: Path
) -> None:
    env = _serve_env(fake_slack, database_url, tmp_path)
    port = _free_port()
    proc = _start(env, port)
    client = SlackClient(f"http://127.0.0.1:{port}", SIGNING_SECRET, f"{fake_slack.url}/response")
    n = 80
    try:
        statuses = await _burst(client, n, concurrency=16)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert statuses == Counter({200: n})
    engine = create_engine(database_url)
    async with create_sessionmaker(engine)() as session:
        waiting = await session.scalar(
            select(func.count()).select_from(InboxEvent).where(InboxEvent.status == "pending")
        )
    await engine.dispose()
    if not waiting:
        pytest.skip("the single worker finished all before the kill: nothing to recover")
    proc = _start(env, port)
    try:
        await eventually_async(lambda: _all_items(database_url, n), within=120)
        await eventually(lambda: len({r["_url"] for r in fake_slack.responses}) >= n, within=60)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    answered = Counter(r["_url"] for r in fake_slack.responses)
    twice = sum(1 for count in answered.values() if count > 1)
    print(
        f"kill -9 with {waiting} waiting: {n} acknowledged, {len(answered)} answered, "
        f"{twice} answered twice"
    )
    assert await _items(database_url) == n  # every command handled, none twice
    assert len(answered) == n


async def _all_items(database_url: str, n: int) -> bool:
    return await _items(database_url) >= n


async def test_a_sigterm_mid_burst_stops_within_the_grace_period_and_keeps_what_it_acknowledged(
    fake_slack: FakeSlackApi, database_url: str, tmp_path: Path
) -> None:
    """An orchestrator stops a replica with SIGTERM while Slack keeps sending, and kills it if
    it has not stopped within its grace period (Kubernetes: 30 s): the commands in hand are
    finished, the ones still waiting in the inbox are handled after the restart, once."""
    env = _serve_env(fake_slack, database_url, tmp_path)
    port = _free_port()
    proc = _start(env, port)
    client = SlackClient(f"http://127.0.0.1:{port}", SIGNING_SECRET, f"{fake_slack.url}/response")
    acknowledged: list[str] = []
    burst = asyncio.create_task(_submit_until_refused(client, acknowledged, concurrency=16))
    try:
        await eventually(lambda: len(acknowledged) >= 40, within=60)
        proc.send_signal(signal.SIGTERM)
        exit_code = await asyncio.to_thread(proc.wait, 30)
    finally:
        proc.kill()
        await burst
    assert exit_code == 0
    proc = _start(env, port)
    try:
        await eventually(
            lambda: set(acknowledged) <= {r["_url"] for r in fake_slack.responses}, within=120
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    answered = Counter(r["_url"] for r in fake_slack.responses)
    assert [url for url, count in answered.items() if count > 1] == []
    print(f"SIGTERM mid-burst: {len(acknowledged)} acknowledged, all answered once")


async def _submit_until_refused(
    client: SlackClient, acknowledged: list[str], concurrency: int
) -> None:
    """`/submit` from the colleagues, `concurrency` at a time, each on a new connection as
    Slack's are, until the server refuses connections; the response URL of each command that
    was answered 200 (its last part, which the fake Slack records)."""
    users = list(PEOPLE)

    async def sender(k: int) -> None:
        for i in itertools.count(k, concurrency):
            body = client.command_body(users[i % len(users)], "/submit", f"Beitrag {i}")
            try:
                resp = await client.post(body, "application/x-www-form-urlencoded")
            except aiohttp.ClientError:
                return
            if resp.status == 200:
                acknowledged.append(parse_qs(body)["response_url"][0].rsplit("/", 1)[-1])

    await asyncio.gather(*(sender(k) for k in range(concurrency)))
