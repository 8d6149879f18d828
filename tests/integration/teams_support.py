"""Shared by the Teams tests: reading what a Teams user was sent, and a person known on both
platforms."""

from __future__ import annotations

from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import FakeTeamsConnector, Sent, TeamsClient
from tests.support import eventually

T_BEN, S_BEN, S_CARLA = "29:ben", "U0BEN", "U0CARLA"


async def nth(fake: FakeTeamsConnector, user: str, n: int) -> Sent:
    """The n-th activity the bot sent to the Teams user (waiting for the outbox)."""
    await eventually(lambda: len(fake.to(user)) >= n)
    return fake.to(user)[n - 1]


PEOPLE = {
    "29:anna": ("Anna Schmidt", "anna@beispiel.de"),
    "29:ben": ("Ben Weber", "ben@beispiel.de"),
    "29:carla": ("Carla Neumann", "carla@beispiel.de"),
    "29:david": ("David Krause", "david@beispiel.de"),
}


async def installed(fake: FakeTeamsConnector, teams: TeamsClient, *users: str) -> None:
    """These people of the example organisation are in the tenant and have added the bot
    (their welcome arrived, so what a test reads next is what came after it)."""
    for user in users:
        name, email = PEOPLE[user]
        fake.add_member(user, name, email)
        await teams.install(user, name)
        await nth(fake, user, 1)


async def ben_speaks_in_slack_then_in_teams_and_carla_submits(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector, fake_slack: FakeSlackApi
) -> None:
    """Ben is on both platforms and spoke last in Teams (after his help answer there); then
    Carla submits "Jobpost" in Slack, which Ben must approve."""
    fake_teams.add_member(T_BEN, "Ben Weber", "ben@beispiel.de")
    fake_slack.add_user(S_BEN, "ben@beispiel.de")
    fake_slack.add_user(S_CARLA, "carla@beispiel.de")
    await bot.slack.command(S_BEN, "/desk", "help")  # Ben seen in Slack first …
    await eventually(lambda: fake_slack.responses)
    await teams.say(T_BEN, "hilfe")  # … then in Teams
    await nth(fake_teams, T_BEN, 1)
    await bot.slack.command(S_CARLA, "/submit", "Jobpost")
