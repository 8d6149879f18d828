"""`preferred_platform: slack` in the organisation file beats the platform used last."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.integration.teams_support import (
    S_BEN,
    T_BEN,
    ben_speaks_in_slack_then_in_teams_and_carla_submits,
)
from tests.support import block_texts, eventually, example_org_with, set_person


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """The example organisation, Ben preferring Slack."""
    return example_org_with(
        tmp_path, lambda raw: set_person(raw, "ben", preferred_platform="slack")
    )


async def test_preferred_platform_wins_over_the_last_used(
    bot: RunningBot,
    teams: TeamsClient,
    fake_teams: FakeTeamsConnector,
    fake_slack: FakeSlackApi,
) -> None:
    # Ben is known in Slack, but spoke last in Teams
    await ben_speaks_in_slack_then_in_teams_and_carla_submits(bot, teams, fake_teams, fake_slack)
    card = await eventually(lambda: fake_slack.dms_to(S_BEN))
    assert "Freigabe angefragt: Jobpost" in block_texts(card[0].blocks)
    assert len(fake_teams.to(T_BEN)) == 1  # only the help answer
