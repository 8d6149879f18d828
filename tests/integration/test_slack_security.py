"""Requests Slack did not sign are refused with 401 and change nothing."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from storage.models import ContentItem, InboxEvent
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_client import sign
from tests.support import say


async def _nothing_changed(bot: RunningBot, fake: FakeSlackApi) -> None:
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContentItem)) == 0
        assert await session.scalar(select(func.count()).select_from(InboxEvent)) == 0
    assert fake.calls_to("chat.postMessage") == [] and fake.responses == []


@pytest.mark.parametrize(
    "case",
    ["wrong secret", "tampered body", "missing signature", "six minutes old", "no timestamp"],
)
async def test_forged_requests_get_401(
    bot: RunningBot, fake_slack: FakeSlackApi, case: str
) -> None:
    fake_slack.add_user("U0CARLA", "carla@beispiel.de")
    body = bot.slack.command_body("U0CARLA", "/submit", "Gefälschter Beitrag")
    now = str(int(time.time()))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if case == "wrong secret":
        headers |= {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": sign("guess", now, body)}
    elif case == "tampered body":
        headers |= {
            "X-Slack-Request-Timestamp": now,
            "X-Slack-Signature": sign(bot.slack.secret, now, body),
        }
        body = body.replace("Gef%C3%A4lschter", "Echter")
    elif case == "missing signature":
        headers |= {"X-Slack-Request-Timestamp": now}
    elif case == "six minutes old":
        old = str(int(time.time()) - 6 * 60)
        headers |= {
            "X-Slack-Request-Timestamp": old,
            "X-Slack-Signature": sign(bot.slack.secret, old, body),
        }
    else:
        headers |= {"X-Slack-Signature": sign(bot.slack.secret, now, body)}

    import aiohttp

    async with (
        aiohttp.ClientSession() as http,
        http.post(bot.slack.url, data=body.encode(), headers=headers) as resp,
    ):
        assert resp.status == 401
    await _nothing_changed(bot, fake_slack)


async def test_properly_signed_request_is_accepted(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    """The control for the refusals above: the same request, signed correctly, goes through."""
    fake_slack.add_user("U0CARLA", "carla@beispiel.de")
    answer = await say(bot, fake_slack, "U0CARLA", "/submit", "Echter Beitrag")
    assert "Eingereicht: #1 „Echter Beitrag“" in answer
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContentItem)) == 1
