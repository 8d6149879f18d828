"""A bot whose clock stands still until the test moves it, for the crisis tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.settings import Settings
from tests.conftest import RunningBot, serve
from tests.fakes.slack_api import FakeSlackApi, Posted
from tests.support import block_texts, eventually
from tests.support import dm as dm  # re-exported for the crisis tests

# Sunday 22 November 2026, 10:00 in Berlin.
START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ANNA, BEN, CARLA, DAVID = "U01ANNA", "U0BEN", "U0CARLA", "U0DAVID"
ROOM = "krise-2026-11-22-rueckruf-kinderwagen"


CrisisBot = RunningBot  # frozen clock, rounds run by the test


@pytest.fixture
async def crisis_bot(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[CrisisBot]:
    """The real server, its clock frozen at START and its scheduler off: tests fire timers."""
    for user, email in ((BEN, "ben"), (CARLA, "carla"), (DAVID, "david"), (ANNA, "anna")):
        fake_slack.add_user(user, f"{email}@beispiel.de")
    async with serve(settings, fake_slack, start=START) as running:
        yield running


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
