"""Help in Teams speaks the person's language: Carla reads English (locale: en in the file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_CONFIG, RunningBot
from tests.fakes.teams_connector import FakeTeamsConnector, Sent, TeamsClient
from tests.support import eventually

T_CARLA = "29:carla"


async def nth(fake: FakeTeamsConnector, user: str, n: int) -> Sent:
    await eventually(lambda: len(fake.to(user)) >= n)
    return fake.to(user)[n - 1]


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """The example organisation, with Carla reading English."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        "email: carla@beispiel.de,", "email: carla@beispiel.de, locale: en,"
    )
    assert "locale: en," in text
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return path


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
