"""Teams fixtures: a fake Bot Framework connector on loopback and a client that posts
activities to the running bot's /api/messages (owned by the Teams adapter's tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import RunningBot
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient


@pytest.fixture
async def fake_teams() -> AsyncIterator[FakeTeamsConnector]:
    connector = FakeTeamsConnector()
    await connector.start()
    yield connector
    await connector.stop()


@pytest.fixture
def teams(bot: RunningBot, fake_teams: FakeTeamsConnector) -> TeamsClient:
    return TeamsClient(bot.url, fake_teams.url)
