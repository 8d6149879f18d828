"""A fan-out through a rate-limited Slack goes out at the limit, each message once, the first
at once; a message for someone who just acted overtakes it; a 429 on one channel holds only
that channel."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.messages import Message
from bot.metrics import REGISTRY
from bot.outbox import service as outbox
from bot.people.service import person_by_handle
from bot.settings import Settings
from storage.models import OutboxMessage
from tests.conftest import RunningBot, serve
from tests.fakes.slack_api import FakeSlackApi
from tests.support import eventually, people_on_slack

FANOUT = 300
LIMIT = 50  # chat.postMessage per second, 429 with Retry-After beyond


def _posts(fake: FakeSlackApi) -> list[str]:
    """Channels of the fan-out that received their message (one entry per message)."""
    return [m.channel for m in fake.messages.values() if m.channel.startswith("CFAN")]


async def _fan_out(bot: RunningBot, n: int) -> None:
    """What a timer's fan-out writes: n bulk messages in one transaction."""
    now = bot.runtime.clock.now()
    async with bot.runtime.sessions.begin() as session:
        for i in range(n):
            message = Message(text=f"Erinnerung {i}")
            outbox.post_to_channel(session, "slack", f"CFAN{i:04d}", message, now=now)
    bot.runtime.dispatcher.notify()


async def _tell_ben(bot: RunningBot, text: str) -> None:
    """What the engine writes while handling someone's click: the interactive lane."""
    async with bot.runtime.sessions.begin() as session:
        ben = await person_by_handle(session, "ben")
        assert ben is not None
        with outbox.interactive():
            outbox.post_to_person(session, ben, Message(text=text), now=bot.runtime.clock.now())
    bot.runtime.dispatcher.notify()


async def test_fan_out_goes_at_the_limit_and_people_who_acted_overtake_it(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await _tell_ben(bot, "Ben ist bekannt")  # Ben's Slack id is looked up once, before
    await eventually(lambda: fake_slack.dms_to("U0BEN"))
    fake_slack.limit_rate("chat.postMessage", LIMIT)

    started = time.monotonic()
    await _fan_out(bot, FANOUT)
    await eventually(lambda: _posts(fake_slack))
    first = time.monotonic() - started
    await eventually(lambda: len(_posts(fake_slack)) >= FANOUT // 5)

    await _tell_ben(bot, "Deine Freigabe ist angekommen")
    asked = time.monotonic()
    await eventually(
        lambda: any(m.text == "Deine Freigabe ist angekommen" for m in fake_slack.dms_to("U0BEN"))
    )
    overtook = time.monotonic() - asked
    done_when_ben_got_his = len(_posts(fake_slack))

    await eventually(lambda: len(set(_posts(fake_slack))) >= FANOUT, within=60)
    took = time.monotonic() - started
    posts = _posts(fake_slack)
    sent, duplicated = len(set(posts)), len(posts) - len(set(posts))
    refused = len(fake_slack.calls_to("chat.postMessage")) - len(posts) - 2
    print(
        f"fan-out of {FANOUT} at {LIMIT}/s: sent {sent}, lost {FANOUT - sent}, "
        f"duplicated {duplicated}, 429s {refused}; first after {first:.2f}s, all after "
        f"{took:.1f}s (floor {FANOUT / LIMIT:.0f}s); the interactive message after "
        f"{overtook:.2f}s, with {done_when_ben_got_his} of {FANOUT} out"
    )
    assert (sent, duplicated) == (FANOUT, 0)
    assert first < 2.0
    assert done_when_ben_got_his < FANOUT  # it did not wait for the bulk
    async with bot.runtime.sessions() as session:
        lanes = {
            row.channel or str(row.person_id): row.lane
            for row in await session.scalars(select(OutboxMessage))
        }
    assert lanes["CFAN0000"] == "bulk"
    assert "interactive" in lanes.values()


async def test_a_429_on_one_channel_holds_only_that_channel(
    settings: Settings, fake_slack: FakeSlackApi
) -> None:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    labels = {"platform": "slack"}
    limited_before = REGISTRY.get_sample_value("socialdesk_rate_limited_total", labels)
    fake_slack.fail("chat.postMessage", status=429, retry_after=30, channel="CBUSY")
    async with serve(settings, fake_slack, start=start) as bot:
        async with bot.runtime.sessions.begin() as session:
            for channel in ("CBUSY", "CQUIET"):
                outbox.post_to_channel(session, "slack", channel, Message(text="eins"), now=start)
        await bot.runtime.dispatcher.deliver_due()
        assert [m.text for m in fake_slack.posts_in("CQUIET")] == ["eins"]
        assert fake_slack.posts_in("CBUSY") == []

        async with bot.runtime.sessions.begin() as session:
            for channel in ("CBUSY", "CQUIET"):
                outbox.post_to_channel(session, "slack", channel, Message(text="zwei"), now=start)
        await bot.runtime.dispatcher.deliver_due()
        assert [m.text for m in fake_slack.posts_in("CQUIET")] == ["eins", "zwei"]
        calls = fake_slack.calls_to("chat.postMessage")
        tried = [c for c in calls if c.params["channel"] == "CBUSY"]
        assert len(tried) == 1  # the paused channel was not asked again

        bot.advance(timedelta(seconds=31))
        await bot.runtime.dispatcher.deliver_due()
        assert [m.text for m in fake_slack.posts_in("CBUSY")] == ["eins", "zwei"]
    limited = REGISTRY.get_sample_value("socialdesk_rate_limited_total", labels)
    assert (limited or 0) - (limited_before or 0) == 1
