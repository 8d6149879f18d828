"""Lists are lists and visuals are visible (#13.6, #13.7), as a colleague meets them.

In Teams a line break inside one TextBlock is no line break: the help and `/desk status` must
arrive as list items (a TextBlock each), not as one run-on paragraph. An approver sees the
visual large with an Open button, in Teams as in Slack; where no public URL is set, the card
says why there is no preview instead of showing a bare file name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.slack.render import LINK_OPEN
from bot.settings import Settings, get_settings
from storage.models import InboxEvent
from tests import intake_files as f
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.integration.teams_support import nth
from tests.support import block_texts, buttons, dm, eventually, file_share, people_on_slack

CARLA, BEN = "29:carla", "29:ben"
S_CARLA = "U0CARLA"
LOOPBACK = "http://127.0.0.1:3978"  # what `make run` sets


def items(card: dict[str, Any] | None) -> list[str]:
    """The list items on a card: TextBlocks of their own that start with a bullet."""
    assert card is not None
    return [
        e["text"]
        for e in card["body"]
        if e.get("type") == "TextBlock" and e["text"].startswith("• ")
    ]


def open_urls(card: dict[str, Any] | None) -> list[str]:
    assert card is not None
    return [
        a["url"]
        for e in card["body"]
        if e.get("type") == "ActionSet"
        for a in e["actions"]
        if a["type"] == "Action.OpenUrl"
    ]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_url": LOOPBACK})


@pytest.fixture(autouse=True)
def fake_teams_serves_files(
    fake_teams: FakeTeamsConnector, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """The fake connector stands in for Microsoft's file hosts."""
    monkeypatch.setenv("SOCIALDESK_TEAMS_FILE_HOSTS", fake_teams.url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_help_and_status_arrive_in_teams_as_lists(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    fake_teams.add_member(CARLA, "Carla Neumann", "carla@beispiel.de")
    fake_teams.add_member(BEN, "Ben Weber", "ben@beispiel.de")
    await teams.say(BEN, "hilfe")
    help_card = (await nth(fake_teams, BEN, 1)).card
    commands = items(help_card)
    assert len(commands) >= 5, help_card  # one TextBlock per command, not one paragraph
    assert any("submit" in line for line in commands)
    assert all("\n" not in line for line in commands)

    await teams.say(CARLA, "submit Neuer Beitrag zur Messe")
    await teams.say(CARLA, "submit Zweiter Beitrag")
    await eventually(lambda: len(fake_teams.to(BEN)) >= 3)  # both approval cards
    await teams.say(BEN, "status")
    status = await eventually(
        lambda: [s for s in fake_teams.to(BEN) if "Wartet auf deine Freigabe" in s.text]
    )
    waiting = items(status[0].card)
    assert [line.split(" – ")[0] for line in waiting] == [
        "• #1 „Neuer Beitrag zur Messe“",
        "• #2 „Zweiter Beitrag“",
    ]


async def test_the_approver_in_teams_sees_the_visual_large_with_an_open_button(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    fake_teams.add_member(CARLA, "Carla Neumann", "carla@beispiel.de")
    upload = fake_teams.add_file("messe.png", f.png(1200, 628))
    await teams.post(teams.activity(CARLA, "Carla Neumann", text="Messe", attachments=[upload]))
    draft = await nth(fake_teams, CARLA, 1)
    assert draft.card is not None
    image = next(e for e in draft.card["body"] if e["type"] == "Image")
    assert image["size"] == "Stretch" and image["url"].startswith(f"{LOOPBACK}/files/")
    assert image["url"].endswith("/messe.png")
    assert open_urls(draft.card) == [image["url"]]  # Öffnen beside the file's line
    assert LOOPBACK not in draft.text  # no raw address to read
    assert "Keine Vorschau" not in draft.text


async def test_slack_gets_the_open_button_but_no_image_it_cannot_fetch(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    """Slack's servers fetch image blocks and refuse the message when they cannot: a loopback
    URL shows no image there, the Open button still opens the file in the browser."""
    people_on_slack(fake_slack)
    info = fake_slack.add_file("F0001", "messe.png", f.png(1200, 628))
    event = file_share(S_CARLA, [info], "1700000100.000001", "Messe")
    assert (await bot.slack.event(event, event_id="EvFILE1")).status == 200
    draft = await dm(fake_slack, S_CARLA)
    assert not any(b["type"] == "image" for b in draft.blocks)
    opens = [b["accessory"]["url"] for b in draft.blocks if "accessory" in b]
    assert len(opens) == 1 and opens[0].startswith(f"{LOOPBACK}/files/")
    assert "intake.submit" in buttons(draft.blocks)

    # Slack reports the click on an Open button too: acknowledged, and nothing else happens.
    async with bot.runtime.sessions() as session:
        before = await session.scalar(select(func.count()).select_from(InboxEvent))
    said = len(fake_slack.responses) + len(fake_slack.dms_to(S_CARLA))
    assert (await bot.slack.click(S_CARLA, LINK_OPEN, "")).status == 200
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxEvent)) == before
    assert len(fake_slack.responses) + len(fake_slack.dms_to(S_CARLA)) == said


class TestWithoutPublicUrl:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"public_url": None})

    async def test_the_card_says_why_there_is_no_preview(
        self, bot: RunningBot, fake_slack: FakeSlackApi
    ) -> None:
        people_on_slack(fake_slack)
        info = fake_slack.add_file("F0002", "messe.png", f.png(1200, 628))
        event = file_share(S_CARLA, [info], "1700000100.000002", "Messe")
        assert (await bot.slack.event(event, event_id="EvFILE2")).status == 200
        draft = await dm(fake_slack, S_CARLA)
        shown = block_texts(draft.blocks)
        assert "messe.png (PNG, " in shown
        assert "Keine Vorschau: Dateien lassen sich im Chat noch nicht anzeigen" in shown
        assert not any(b["type"] == "image" or "accessory" in b for b in draft.blocks)
