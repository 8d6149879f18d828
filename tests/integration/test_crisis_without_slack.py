"""The example organisation puts its crisis room on Slack. On a server with only Teams on, a
declared crisis must not promise a Slack room that never comes: the declarer is told, the team
gets the protocol and every update by direct message, and the operator was warned at start."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.cli import main as socialdesk
from bot.settings import Settings
from storage.models import OutboxMessage
from tests.conftest import EXAMPLE_CONFIG, RunningBot
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.integration.teams_support import installed
from tests.support import eventually

ANNA, BEN, DAVID = "29:anna", "29:ben", "29:david"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No Slack credentials: only Teams is on."""
    return settings.model_copy(update={"slack_bot_token": None, "slack_signing_secret": None})


async def test_the_protocol_goes_by_direct_message_and_says_so(
    bot: RunningBot,
    teams: TeamsClient,
    fake_teams: FakeTeamsConnector,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_teams
    await installed(fake, teams, ANNA, BEN, DAVID)

    await teams.say(ANNA, "<at>socialdesk</at> crisis Rückruf Kinderwagen")
    answer = await eventually(lambda: [s for s in fake.to(ANNA) if "ausgerufen" in s.text])
    said = answer[0]
    assert "Krise #1 ausgerufen." in said.text
    assert "#krise-" not in said.text
    assert "Slack ist auf diesem Server nicht eingerichtet" in said.text
    assert "Protokoll geht per Direktnachricht" in said.text

    # Ben is paged and gets the protocol with its checklist in his chat.
    protocol = await eventually(
        lambda: [s for s in fake.to(BEN) if "Checkliste" in s.text and "Krise #1" in s.text]
    )
    assert "crisis.check.monitoring" in protocol[0].buttons
    await eventually(lambda: [s for s in fake.to(BEN) if "du bist im Krisenteam" in s.text])
    await teams.say(BEN, "crisis check 2")
    await eventually(lambda: "2. ☑ Kanäle werden beobachtet – Ben Weber" in protocol[0].text)
    assert "crisis.check.monitoring" not in protocol[0].buttons

    await teams.say(DAVID, "crisis update Presseanfrage beantwortet")
    await eventually(lambda: [s for s in fake.to(DAVID) if "ist gepostet" in s.text])
    update = await eventually(
        lambda: [s for s in fake.to(BEN) if "Presseanfrage beantwortet" in s.text]
    )
    assert "Update zu Krise #1 von David Krause" in update[0].text

    async with bot.runtime.sessions() as session:
        for_slack = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.platform == "slack"))
        ).all()
    assert for_slack == []  # nothing waits for a platform that is off

    assert any(
        "crisis.room_platform: slack is off" in r.getMessage()
        and "SLACK_BOT_TOKEN" in r.getMessage()
        for r in caplog.get_records("setup")  # logged when the server started
        if r.levelno == logging.WARNING
    )


def test_check_config_warns_about_a_room_on_a_platform_that_is_off(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "")
    assert socialdesk(["check-config", str(EXAMPLE_CONFIG)]) == 0
    err = capsys.readouterr().err
    assert "warning: crisis.room_platform: slack is off" in err
    assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set" in err
    assert "warning: meeting.slack_channel: slack is off" in err

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-x")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    assert socialdesk(["check-config", str(EXAMPLE_CONFIG)]) == 0
    assert "warning" not in capsys.readouterr().err
