"""Links in chat open the board (#15, item 2): with SOCIALDESK_PUBLIC_URL set, the approver's
card and the submitter's status message carry a button to the item's page, which shows the
item once the reader has signed in with `/desk board`. Without a public address, chat
cannot reach the board and no such button appears.

Everything goes over real HTTP to the bot on loopback, Slack's requests signed as Slack signs
them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.settings import Settings
from tests.conftest import RunningBot, serve
from tests.fakes.slack_api import FakeSlackApi, Posted
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.integration.teams_support import nth
from tests.integration.test_board_sign_in import (
    PUBLIC,
    START,
    Browser,
    link_for,
    visible,
)
from tests.support import block_texts, eventually, people_on_slack, say

BEN, CARLA, T_BEN = "U0BEN", "U0CARLA", "29:ben"
TEXT = "Tag der offenen Tür am Samstag <b>ab 10 Uhr</b>"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_url": PUBLIC})


@pytest.fixture
async def desk(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[RunningBot]:
    people_on_slack(fake_slack)
    async with serve(settings, fake_slack, start=START) as running:
        yield running


def link_buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """label -> address of every button that opens a page in the browser."""
    return {
        b["accessory"]["text"]["text"]: b["accessory"]["url"]
        for b in blocks
        if "url" in b.get("accessory", {})
    }


def open_urls(node: object) -> list[str]:
    """Every address an Adaptive Card's buttons open in the browser."""
    if isinstance(node, dict):
        found = [node["url"]] if node.get("type") == "Action.OpenUrl" else []
        return found + [u for value in node.values() for u in open_urls(value)]
    if isinstance(node, list):
        return [u for value in node for u in open_urls(value)]
    return []


async def dm(fake: FakeSlackApi, user: str, containing: str) -> Posted:
    def found() -> list[Posted]:
        return [m for m in fake.dms_to(user) if containing in block_texts(m.blocks)]

    await eventually(found)
    return found()[0]


async def test_the_approval_card_opens_the_item_on_the_board(
    desk: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await say(desk, fake_slack, CARLA, "/submit", TEXT)

    card = await dm(fake_slack, BEN, "Freigabe angefragt")
    assert "🗂️ Beitrag #1 im Board" in block_texts(card.blocks)
    assert link_buttons(card.blocks) == {"Im Board öffnen": f"{PUBLIC}/board/items/1"}
    status = await dm(fake_slack, CARLA, "#1")
    assert link_buttons(status.blocks) == {"Im Board öffnen": f"{PUBLIC}/board/items/1"}

    ben = Browser(desk)
    item_page = link_buttons(card.blocks)["Im Board öffnen"].replace(PUBLIC, desk.url)
    before = await ben.get(item_page)
    assert before.status != 200 and "Tag der offenen Tür" not in before.text  # not signed in
    await ben.sign_in(await link_for(desk, fake_slack, BEN))
    page = await ben.get(item_page)
    assert page.status == 200, page.text
    shown = visible(page.text)
    assert "#1 Tag der offenen Tür" in shown
    assert "&lt;b&gt;ab 10 Uhr&lt;/b&gt;" in page.text  # the text as typed, not as markup
    assert "Fachliche Freigabe" in shown and "Ben Weber" in shown


async def test_the_card_in_teams_opens_the_item_on_the_board(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector, fake_slack: FakeSlackApi
) -> None:
    fake_slack.add_user(CARLA, "carla@beispiel.de")
    fake_teams.add_member(T_BEN, "Ben Weber", "ben@beispiel.de")
    await teams.install(T_BEN, "Ben Weber")
    await nth(fake_teams, T_BEN, 1)  # welcome

    await bot.slack.command(CARLA, "/submit", TEXT)
    card = await nth(fake_teams, T_BEN, 2)
    assert "🗂️ Beitrag #1 im Board" in card.text
    assert open_urls(card.card) == [f"{PUBLIC}/board/items/1"]


async def test_without_a_public_address_chat_has_no_board_links(
    settings: Settings, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    local = settings.model_copy(update={"public_url": None})
    async with serve(local, fake_slack, start=START) as bot:
        await say(bot, fake_slack, CARLA, "/submit", TEXT)
        card = await dm(fake_slack, BEN, "Freigabe angefragt")
        status = await dm(fake_slack, CARLA, "#1")
    assert "im Board" not in block_texts(card.blocks) + block_texts(status.blocks)
    assert link_buttons(card.blocks) == {} and link_buttons(status.blocks) == {}
