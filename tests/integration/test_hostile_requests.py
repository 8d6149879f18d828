"""Malformed but correctly signed requests, and text no database can store: a clear 4xx or a
clean result, one log line, nothing half-written — never a 500 with a traceback."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy import func, select

from storage.models import ContentItem, ContentVersion, InboxEvent
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import TeamsClient
from tests.support import eventually_async, say

FORM = "application/x-www-form-urlencoded"


def _signed_raw(secret: str, ts: str, body: bytes) -> str:
    import hashlib
    import hmac

    base = b"v0:" + ts.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


async def _nothing_recorded(bot: RunningBot) -> None:
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxEvent)) == 0


@pytest.mark.parametrize(
    "case",
    ["timestamp not numeric", "payload not JSON", "payload a list", "no actions", "not UTF-8"],
)
async def test_malformed_signed_slack_requests_get_a_4xx(
    bot: RunningBot, fake_slack: FakeSlackApi, case: str
) -> None:
    now = str(int(time.time()))
    if case == "timestamp not numeric":
        body, ts = bot.slack.command_body("U0BEN", "/desk", "help").encode(), "abc"
    elif case == "payload not JSON":
        body, ts = urlencode({"payload": "{not json"}).encode(), now
    elif case == "payload a list":
        body, ts = urlencode({"payload": "[1, 2]"}).encode(), now
    elif case == "no actions":
        payload = {"type": "block_actions", "user": {"id": "U0BEN"}, "actions": []}
        body, ts = urlencode({"payload": json.dumps(payload)}).encode(), now
    else:
        body, ts = b"command=%2Fdesk&text=\xff\xfe&user_id=U0BEN", now
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": _signed_raw(bot.slack.secret, ts, body),
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(bot.slack.url, data=body, headers=headers) as resp,
    ):
        assert 400 <= resp.status < 500, await resp.text()
    await _nothing_recorded(bot)
    assert fake_slack.responses == []


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"text": "no type"}'])
async def test_malformed_teams_activities_get_a_400(
    bot: RunningBot, teams: TeamsClient, body: bytes
) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(teams.url, data=body, headers={"Content-Type": "application/json"}) as resp,
    ):
        assert resp.status == 400
    await _nothing_recorded(bot)


@pytest.mark.parametrize("how", ["slash command", "direct message"])
async def test_nul_bytes_and_lone_surrogates_are_removed_not_refused(
    bot: RunningBot, fake_slack: FakeSlackApi, how: str
) -> None:
    """PostgreSQL cannot store NUL or unpaired surrogates; both databases keep the rest."""
    fake_slack.add_user("U0CARLA", "carla@beispiel.de")
    fake_slack.add_user("U0BEN", "ben@beispiel.de")
    if how == "slash command":  # a form body is UTF-8: it can carry NUL, not a lone surrogate
        answer = await say(bot, fake_slack, "U0CARLA", "/submit", "Som\x00mer\x00fest")
        assert "Sommerfest" in answer
    else:  # JSON can carry both
        event = {
            "type": "message",
            "channel": "D0CARLA",
            "channel_type": "im",
            "user": "U0CARLA",
            "text": "submit Som\x00mer\udcfffest",
            "ts": "1700000000.000100",
        }
        resp = await bot.slack.event(event, event_id="Ev0NUL")
        assert resp.status == 200

    async def stored() -> str | None:
        async with bot.runtime.sessions() as session:
            return await session.scalar(select(ContentVersion.text))

    assert await eventually_async(stored) == "Sommerfest"
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContentItem)) == 1
