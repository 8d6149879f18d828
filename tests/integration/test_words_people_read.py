"""The words around the work, as people read them: "gerade eben" instead of "seit 0 Min.",
Teams hints typed without a slash, and a file's caption that does not keep the command word."""

from __future__ import annotations

from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.intake_files import png
from tests.integration.approval_support import BEN, CARLA, ClockedBot, config_path, desk, dm, say
from tests.integration.teams_support import nth
from tests.support import block_texts, eventually, file_share, people_on_slack

assert desk and config_path  # fixtures, used by name
T_BEN = "29:ben"


async def test_status_right_after_submitting_says_just_now(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    await say(desk, fake_slack, CARLA, "/submit", "Podcast Folge 12")
    await dm(fake_slack, BEN, "Podcast")

    ben = await say(desk, fake_slack, BEN, "/desk", "status")
    assert "#1 „Podcast Folge 12“ – Fachliche Freigabe – gerade eben" in ben
    assert "0 Min." not in ben
    carla = await say(desk, fake_slack, CARLA, "/desk", "status")  # Carla reads English
    assert "waiting since just now (submitted just now)" in carla
    assert "0 min" not in carla


async def test_teams_help_shows_commands_as_they_are_typed_there(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    fake_teams.add_member(T_BEN, "Ben Weber", "ben@beispiel.de")
    await teams.install(T_BEN, "Ben Weber")
    await nth(fake_teams, T_BEN, 1)  # the welcome
    await teams.say(T_BEN, "hilfe")
    shown = (await nth(fake_teams, T_BEN, 2)).text
    assert "`submit TEXT` – Inhalt zur Freigabe einreichen" in shown
    assert "`status` – was auf dich wartet" in shown
    assert "/submit" not in shown and "/desk" not in shown

    await teams.say(T_BEN, "sumbit Messe")
    typo = (await nth(fake_teams, T_BEN, 3)).text
    assert "Meintest du *submit*?" in typo and "`hilfe` zeigt alle Befehle." in typo
    assert "/desk" not in typo


async def test_a_caption_starting_with_submit_is_not_part_of_the_post(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    info = fake_slack.add_file("F0001", "teamfoto.png", png(1200, 628))
    event = file_share(CARLA, [info], "1700000100.000001", "submit Teamfoto vom Sommerfest")
    assert (await bot.slack.event(event, event_id="EvCAPTION1")).status == 200

    await eventually(lambda: fake_slack.dms_to(CARLA))
    draft = block_texts(fake_slack.dms_to(CARLA)[0].blocks)
    assert "*Draft #1*\nTeamfoto vom Sommerfest\n" in draft  # Carla reads English
    assert "submit Teamfoto" not in draft


async def test_the_approval_path_is_shown_by_its_name_not_its_id(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    answer = await say(desk, fake_slack, CARLA, "/submit", "Messe-Recap")  # Carla reads English
    assert "path “Standard” of your department Marketing" in answer
    assert "“standard”" not in answer
    history = await say(desk, fake_slack, CARLA, "/desk", "history 1")
    assert "*Approval path*\nStandard\n" in history
