"""`preferred_platform: slack` in the organisation file beats the platform used last."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_CONFIG, RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.support import block_texts, eventually

T_BEN, S_BEN, S_CARLA = "29:ben", "U0BEN", "U0CARLA"


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        "roles: [management],", "roles: [management], preferred_platform: slack,"
    )
    assert "preferred_platform: slack" in text
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return path


async def test_preferred_platform_wins_over_the_last_used(
    bot: RunningBot,
    teams: TeamsClient,
    fake_teams: FakeTeamsConnector,
    fake_slack: FakeSlackApi,
) -> None:
    fake_teams.add_member(T_BEN, "Ben Weber", "ben@beispiel.de")
    fake_slack.add_user(S_BEN, "ben@beispiel.de")
    fake_slack.add_user(S_CARLA, "carla@beispiel.de")
    await bot.slack.command(S_BEN, "/desk", "help")  # Ben is known in Slack …
    await eventually(lambda: fake_slack.responses)
    await teams.say(T_BEN, "hilfe")  # … but spoke last in Teams
    await eventually(lambda: fake_teams.to(T_BEN))
    await bot.slack.command(S_CARLA, "/submit", "Jobpost")
    card = await eventually(lambda: fake_slack.dms_to(S_BEN))
    assert "Freigabe angefragt: Jobpost" in block_texts(card[0].blocks)
    assert len(fake_teams.to(T_BEN)) == 1  # only the help answer
