"""Help in Teams speaks the person's language: Carla reads English (locale: en in the file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunningBot
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.integration.teams_support import nth
from tests.support import example_org_with, set_person

T_CARLA = "29:carla"


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """The example organisation, with Carla reading English."""
    return example_org_with(tmp_path, lambda raw: set_person(raw, "carla", locale="en"))


async def test_help_in_english_for_who_prefers_it(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    fake_teams.add_member(T_CARLA, "Carla Neumann", "carla@beispiel.de")
    await teams.say(T_CARLA, "<at>socialdesk</at>&nbsp;help")
    english = await nth(fake_teams, T_CARLA, 1)
    assert "What socialdesk can do:" in english.text
    await teams.say(T_CARLA, "/frobnicate")
    unknown = await nth(fake_teams, T_CARLA, 2)
    assert "I don't know the command “frobnicate”" in unknown.text
