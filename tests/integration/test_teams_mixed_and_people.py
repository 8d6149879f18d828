"""Mixed organisations and people in Teams: an item crosses platforms, help speaks the
person's language, strangers are told what to do, 429s only delay, welcomes on install."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import ContentItem, OutboxMessage, PlatformIdentity
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.integration.teams_support import (
    ben_speaks_in_slack_then_in_teams_and_carla_submits,
    nth,
)
from tests.support import block_texts, buttons, eventually, eventually_async

APPROVE = "approval.approve"
T_CARLA, T_BEN, T_ANNA, T_STRANGER = "29:carla", "29:ben", "29:anna", "29:mallory"
S_CARLA, S_BEN, S_ANNA = "U0CARLA", "U0BEN", "U01ANNA"


async def test_submitted_in_slack_approved_in_teams(
    bot: RunningBot,
    teams: TeamsClient,
    fake_teams: FakeTeamsConnector,
    fake_slack: FakeSlackApi,
) -> None:
    """Carla and Anna work in Slack; Ben, the stage-1 approver, lives in Teams."""
    fake_slack.add_user(S_CARLA, "carla@beispiel.de")
    fake_teams.add_member(T_BEN, "Ben Weber", "ben@beispiel.de")
    await teams.install(T_BEN, "Ben Weber")
    await nth(fake_teams, T_BEN, 1)  # welcome

    await bot.slack.command(S_CARLA, "/submit", "Messe-Recap für LinkedIn")
    ben_card = await nth(fake_teams, T_BEN, 2)
    assert "Freigabe angefragt: Messe-Recap für LinkedIn" in ben_card.text
    await teams.click(T_BEN, APPROVE, ben_card.buttons[APPROVE], reply_to=ben_card.id)
    await eventually(lambda: ben_card.updates)
    assert "Freigegeben von Ben Weber" in ben_card.text

    anna_card = await eventually(lambda: fake_slack.dms_to(S_ANNA))
    await bot.slack.click(S_ANNA, APPROVE, buttons(anna_card[0].blocks)[APPROVE])
    outcome = await eventually(lambda: fake_slack.dms_to(S_CARLA)[1:])  # after her status
    assert "ist freigegeben" in outcome[0].text
    assert fake_slack.dms_to(S_BEN) == []  # Ben was never bothered in Slack


async def test_submitted_in_teams_approved_in_slack(
    bot: RunningBot,
    teams: TeamsClient,
    fake_teams: FakeTeamsConnector,
    fake_slack: FakeSlackApi,
) -> None:
    """Carla works in Teams; Ben and Anna approve in Slack; Carla hears back in Teams."""
    fake_teams.add_member(T_CARLA, "Carla Neumann", "carla@beispiel.de")
    fake_slack.add_user(S_BEN, "ben@beispiel.de")

    await teams.say(T_CARLA, "submit Karriereseite: neues Video")
    confirmation = await nth(fake_teams, T_CARLA, 1)
    assert "Eingereicht: #1" in confirmation.text

    ben_card = await eventually(lambda: fake_slack.dms_to(S_BEN))
    assert "Karriereseite: neues Video" in block_texts(ben_card[0].blocks)
    await bot.slack.click(S_BEN, APPROVE, buttons(ben_card[0].blocks)[APPROVE])
    anna_card = await eventually(lambda: fake_slack.dms_to(S_ANNA))
    await bot.slack.click(S_ANNA, APPROVE, buttons(anna_card[0].blocks)[APPROVE])

    outcome = await nth(fake_teams, T_CARLA, 3)  # after the answer and her status message
    assert "#1 „Karriereseite: neues Video“ ist freigegeben" in outcome.text
    async with bot.runtime.sessions() as session:
        item = await session.scalar(select(ContentItem))
        assert item is not None and item.status == "approved"


async def test_the_platform_used_last_wins(
    bot: RunningBot,
    teams: TeamsClient,
    fake_teams: FakeTeamsConnector,
    fake_slack: FakeSlackApi,
) -> None:
    """Ben is on both (no preferred_platform in the file): he hears where he spoke last."""
    await ben_speaks_in_slack_then_in_teams_and_carla_submits(bot, teams, fake_teams, fake_slack)
    card = await nth(fake_teams, T_BEN, 2)
    assert "Freigabe angefragt: Jobpost" in card.text
    assert fake_slack.dms_to(S_BEN) == []


async def test_help_in_german(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    fake_teams.add_member(T_CARLA, "Carla Neumann", "carla@beispiel.de")
    await teams.say(T_CARLA, "help")
    german = await nth(fake_teams, T_CARLA, 1)
    assert "Das kann socialdesk:" in german.text
    assert "`submit TEXT`" in german.text and "/submit" not in german.text  # Teams: no slash


async def test_stranger_is_told_to_ask_the_social_media_team(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    fake_teams.add_member(T_STRANGER, "Mallory", "mallory@example.com")
    await teams.say(T_STRANGER, "submit Fremder Inhalt")
    answer = await nth(fake_teams, T_STRANGER, 1)
    assert "Ich kenne dich noch nicht" in answer.text
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(ContentItem)) is None


async def test_identity_from_the_org_files_teams_id(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    """No profile e-mail (member look-up fails): `teams_id: user-id-0` says who this is."""
    await teams.say("user-id-0", "hilfe")
    answer = await nth(fake_teams, "user-id-0", 1)
    assert "Das kann socialdesk:" in answer.text
    async with bot.runtime.sessions() as session:
        identity = await session.scalar(
            select(PlatformIdentity).where(PlatformIdentity.user_id == "user-id-0")
        )
        assert identity is not None and identity.conversation_ref is not None


async def test_install_welcomes_and_makes_reachable(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    fake_teams.add_member(T_ANNA, "Anna Schmidt", "anna@beispiel.de")
    resp = await teams.install(T_ANNA, "Anna Schmidt")
    assert resp.status in (200, 201)
    welcome = await nth(fake_teams, T_ANNA, 1)
    assert "Hallo Anna Schmidt, ich bin socialdesk" in welcome.text
    assert "`submit TEXT`" in welcome.text and "/submit" not in welcome.text  # Teams: no slash
    assert "„hilfe“" in welcome.text
    async with bot.runtime.sessions() as session:
        identity = await session.scalar(
            select(PlatformIdentity).where(PlatformIdentity.user_id == T_ANNA)
        )
        assert identity is not None and identity.conversation_ref is not None


async def test_proactive_message_opens_a_chat_for_someone_who_never_wrote(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    """Ben is only `teams_id: user-id-1` in the file: the bot opens the 1:1 chat itself."""
    fake_teams.add_member(T_CARLA, "Carla Neumann", "carla@beispiel.de")
    await teams.say(T_CARLA, "submit Newsletter-Teaser")
    card = await nth(fake_teams, "user-id-1", 1)
    assert "Freigabe angefragt: Newsletter-Teaser" in card.text
    assert fake_teams.created and fake_teams.created[0]["members"] == [{"id": "user-id-1"}]
    assert fake_teams.created[0]["channelData"] == {"tenant": {"id": "tenant-beispiel"}}

    # The chat it opened is kept: the next card goes there, without opening another.
    await teams.say(T_CARLA, "submit Zweiter Teaser")
    second = await nth(fake_teams, "user-id-1", 2)
    assert "Freigabe angefragt: Zweiter Teaser" in second.text
    assert len(fake_teams.created) == 1


async def test_rate_limit_delays_but_loses_nothing(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    fake_teams.add_member(T_CARLA, "Carla Neumann", "carla@beispiel.de")
    fake_teams.fail(429, retry_after=1, times=1)
    fake_teams.fail(503, retry_after=None, times=1)
    await teams.say(T_CARLA, "submit Trotz Drosselung")
    confirmation = await nth(fake_teams, T_CARLA, 1)
    assert "Eingereicht: #1" in confirmation.text
    await nth(fake_teams, "user-id-1", 1)  # Ben's card, too, made it

    async def delivered() -> list[OutboxMessage] | None:
        """Every row, once all are recorded as sent (a moment after the connector saw them)."""
        async with bot.runtime.sessions() as session:
            rows = list((await session.scalars(select(OutboxMessage))).all())
        return rows if rows and all(r.status == "sent" for r in rows) else None

    rows = await eventually_async(delivered)
    assert sum(r.attempts for r in rows) >= len(rows) + 2  # the 429 and the 503, retried
    assert any(r.last_error and r.last_error.startswith("teams") for r in rows)
