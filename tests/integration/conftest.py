"""Teams fixtures: a fake Bot Framework connector on loopback and a client that posts
activities to the running bot's /api/messages (owned by the Teams adapter's tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.settings import Settings
from tests.conftest import RunningBot
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient


@pytest.fixture
async def fake_teams() -> AsyncIterator[FakeTeamsConnector]:
    connector = FakeTeamsConnector()
    await connector.start()
    yield connector
    await connector.stop()


@pytest.fixture
def settings(fake_teams: FakeTeamsConnector, settings: Settings) -> Settings:
    """Every bot of a test is started from these settings, so Teams is up before it and stays
    up until it has stopped, as Slack does (its fake is in the settings). Otherwise a bot's
    last sends to Teams met a closed port and retried through ~5 s of urllib3 back-off per
    test, and a retry's connection accepted in the connector's last moment held its shutdown
    for aiohttp's full 60 s."""
    return settings


@pytest.fixture
def teams(bot: RunningBot, fake_teams: FakeTeamsConnector) -> TeamsClient:
    return TeamsClient(bot.url, fake_teams.url)
