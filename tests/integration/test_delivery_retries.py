"""Slack being slow or down delays messages; it never loses them, and retries make one effect."""

from __future__ import annotations

import time

from sqlalchemy import select

from storage.models import OutboxMessage
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.support import eventually, eventually_async, people_on_slack


async def test_429_with_retry_after_delays_delivery(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    fake_slack.fail("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    await bot.slack.command("U0CARLA", "/submit", "Beitrag während eines Rate-Limits")
    # Ben's card and Carla's status message: whichever was refused waited for Retry-After.
    await eventually(lambda: fake_slack.dms_to("U0BEN") and fake_slack.dms_to("U0CARLA"))
    waited = time.monotonic() - started
    attempts = fake_slack.calls_to("chat.postMessage")
    assert len(attempts) == 3  # refused once; Ben's card and Carla's status delivered once each
    assert waited >= 0.9  # Retry-After was honoured

    # The fake API saw the delivery; the dispatcher records it a moment later.
    async def recorded() -> OutboxMessage | None:
        async with bot.runtime.sessions() as session:
            posts = await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "post").order_by(OutboxMessage.id)
            )
            return next((r for r in posts if r.status == "sent" and r.attempts == 2), None)

    row = await eventually_async(recorded)
    assert row.attempts == 2
    assert "rate limit" in (row.last_error or "")


async def test_server_errors_are_retried(bot: RunningBot, fake_slack: FakeSlackApi) -> None:
    people_on_slack(fake_slack)
    fake_slack.fail("chat.postMessage", status=503, retry_after=None, times=2)
    await bot.slack.command("U0CARLA", "/submit", "Beitrag während eines Ausfalls")
    await eventually(lambda: fake_slack.dms_to("U0BEN") and fake_slack.dms_to("U0CARLA"))
    # Refused twice; Ben's card and Carla's status message delivered once each.
    assert len(fake_slack.calls_to("chat.postMessage")) == 4


async def test_event_retries_are_handled_once(bot: RunningBot, fake_slack: FakeSlackApi) -> None:
    people_on_slack(fake_slack)
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "D0CARLA",
        "user": "U0CARLA",
        "text": "help",
        "ts": "1700000000.000100",
    }
    for retry in (None, 1, 2):
        resp = await bot.slack.event(event, event_id="Ev0HELP", retry_num=retry)
        assert resp.status == 200
    await eventually(lambda: fake_slack.calls_to("chat.postEphemeral"))
    await bot.runtime.dispatcher.deliver_due()
    assert len(fake_slack.calls_to("chat.postEphemeral")) == 1
    assert "Das kann socialdesk" in fake_slack.calls_to("chat.postEphemeral")[0].params["text"]
