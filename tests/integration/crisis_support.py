"""A bot whose clock stands still until the test moves it, for the crisis tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from bot.clock import FrozenClock
from bot.server import RUNTIME, create_app
from bot.settings import Settings
from tests.conftest import SIGNING_SECRET, RunningBot
from tests.fakes.slack_api import FakeSlackApi, Posted
from tests.fakes.slack_client import SlackClient
from tests.support import block_texts, eventually

# Sunday 22 November 2026, 10:00 in Berlin.
START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ANNA, BEN, CARLA, DAVID = "U01ANNA", "U0BEN", "U0CARLA", "U0DAVID"
ROOM = "krise-2026-11-22-rueckruf-kinderwagen"


class CrisisBot(RunningBot):
    clock: FrozenClock

    def advance(self, delta: timedelta) -> None:
        self.clock.set(self.clock.now() + delta)

    async def run_timers(self) -> int:
        fired = await self.runtime.scheduler.runner.run_due()
        self.runtime.dispatcher.notify()
        return fired


@pytest.fixture
async def crisis_bot(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[CrisisBot]:
    """The real server, its clock frozen at START and its scheduler off: tests fire timers."""
    for user, email in ((BEN, "ben"), (CARLA, "carla"), (DAVID, "david"), (ANNA, "anna")):
        fake_slack.add_user(user, f"{email}@beispiel.de")
    clock = FrozenClock(START)
    app = create_app(settings.model_copy(update={"scheduler_enabled": False}), clock=clock)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    running = CrisisBot(
        url, app[RUNTIME], SlackClient(url, SIGNING_SECRET, f"{fake_slack.url}/response")
    )
    running.clock = clock
    try:
        yield running
    finally:
        await runner.cleanup()


async def reply_to(fake: FakeSlackApi, prefix: str, n: int = 1) -> str:
    """The text of the n-th ephemeral answer on response_urls starting with `prefix`."""
    answers = await eventually(
        lambda: (
            len([r for r in fake.responses if r["_url"].startswith(prefix)]) >= n
            and [r for r in fake.responses if r["_url"].startswith(prefix)]
        )
    )
    body = answers[n - 1]
    return block_texts(body.get("blocks") or []) or str(body.get("text", ""))


def answers(fake: FakeSlackApi) -> list[str]:
    return [block_texts(r.get("blocks") or []) or str(r.get("text", "")) for r in fake.responses]


async def dm(fake: FakeSlackApi, user: str, n: int = 1) -> Posted:
    await eventually(lambda: len(fake.dms_to(user)) >= n)
    return fake.dms_to(user)[n - 1]


def room_id(fake: FakeSlackApi, name: str = ROOM) -> str:
    channel = fake.channel_named(name)
    assert channel is not None, f"no channel {name}: {[c['name'] for c in fake.channels.values()]}"
    return str(channel["id"])


async def in_room(fake: FakeSlackApi, needle: str, name: str = ROOM) -> Posted:
    """The message in the crisis room whose text (or blocks) contains `needle`."""

    def find() -> Posted | None:
        channel = fake.channel_named(name)
        if channel is None:
            return None
        for posted in fake.posts_in(channel["id"]):
            if needle in posted.text or needle in block_texts(posted.blocks):
                return posted
        return None

    found: Posted = await eventually(find)
    return found
