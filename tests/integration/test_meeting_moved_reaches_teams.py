"""A moved meeting is announced in the meeting channel, which the example organisation has only
on Slack. A contributor who uses the bot in Teams reads no Slack channel: they hear it by DM."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.settings import Settings
from tests.conftest import RunningBot, serve
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.integration.teams_support import nth
from tests.support import block_texts, eventually, say

ANNA, T_CARLA = "U01ANNA", "29:carla"
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
async def clocked(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[RunningBot]:
    fake_slack.add_user(ANNA, "anna@beispiel.de")
    async with serve(settings, fake_slack, start=MONDAY) as running:
        yield running


async def test_a_moved_meeting_reaches_teams_people_by_direct_message(
    clocked: RunningBot, fake_slack: FakeSlackApi, fake_teams: FakeTeamsConnector
) -> None:
    teams = TeamsClient(clocked.url, fake_teams.url)
    fake_teams.add_member(T_CARLA, "Carla Neumann", "carla@beispiel.de")
    await teams.install(T_CARLA, "Carla Neumann")
    await nth(fake_teams, T_CARLA, 1)  # the welcome

    moved = await say(clocked, fake_slack, ANNA, "/meeting", "move 2026-12-09 14:00")
    assert "verschoben auf Mittwoch, 09.12.2026, 14:00" in moved

    in_channel = await eventually(
        lambda: [p for p in fake_slack.posts_in("C0REDAKTION") if "verschoben" in p.text]
    )
    assert "(Anna Schmidt)" in block_texts(in_channel[0].blocks)
    told = await eventually(lambda: [s for s in fake_teams.to(T_CARLA) if "verschoben" in s.text])
    assert (
        "Die Redaktionssitzung vom 08.12.2026 ist verschoben auf Mittwoch, 09.12.2026, 14:00 "
        "(Anna Schmidt)" in told[0].text
    )
