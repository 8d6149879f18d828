"""From approved to live in Teams, end to end through the Microsoft 365 Agents Playground (#14,
"Done when": the Playground e2e test plans and marks a posting).

Three Playgrounds, one per person as `make run` starts them: Carla submits for LinkedIn with
the submit form, Ben and Anna approve, Anna (LinkedIn's owner and the social media manager)
plans the posting with *Einplanen*, gets *Jetzt posten* at the planned time, clicks *Gepostet*
with the link, and Carla's tab shows that her post is live. The bot's clock runs from a Monday
morning; the test moves it to the planned time and runs the timer round, as the leader replica
would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.settings import Settings
from storage.models import ContentItem, Posting
from tests.conftest import RunningBot
from tests.e2e.playground import (
    ANNA,
    BEN,
    CARLA,
    Playground,
    Shown,
    first_text,
    input_values,
    serving_at,
    submit_data,
    three_colleagues,
)
from tests.fakes.slack_api import FakeSlackApi
from tests.support import eventually

pytestmark = pytest.mark.e2e
# Monday 30 Nov 2026, 09:00 in Berlin; "dienstag 10:00" is Tuesday 1 Dec, 09:00 UTC.
START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
TUESDAY_10 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
POST_URL = "https://www.linkedin.com/feed/update/urn:li:activity:7001"
WAIT = 15  # seconds for anything the Playground shows


@pytest.fixture
async def desk(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[RunningBot]:
    async with serving_at(settings, fake_slack, START) as running:
        yield running


def with_button(tab: Playground, action: str, containing: str = "") -> list[tuple[Shown, Any]]:
    """(message, button data) of each bot message in the tab's chat with this button, oldest
    first; only messages showing `containing`."""
    return [
        (shown, data)
        for shown in tab.messages()
        if containing in shown.text
        for data in submit_data(shown.cards)
        if data.get("action") == action
    ]


async def click(
    tab: Playground, user: str, action: str, containing: str = "", **typed: str
) -> Shown:
    """Wait for the newest message with the button, click it (with what is typed into the
    card's inputs, the rest as the card suggests); the message clicked."""
    found: list[tuple[Shown, Any]] = await eventually(
        lambda: with_button(tab, action, containing), within=WAIT
    )
    shown, data = found[-1]
    value = {**input_values(shown.cards), **typed, **data}
    await tab.click(tab.personal_chat, user, shown.message_id, value)
    return shown


def said(tab: Playground, containing: str) -> list[str]:
    return [text for text in tab.shown() if containing in text]


async def _posting(bot: RunningBot) -> Posting:
    async with bot.runtime.sessions() as session:
        posting = await session.scalar(select(Posting).where(Posting.item_id == 1))
        assert posting is not None
        return posting


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_plan_hand_off_and_mark_posted_in_three_playgrounds(
    desk: RunningBot, tmp_path: Path
) -> None:
    bot = desk
    async with three_colleagues(bot, tmp_path) as tabs:
        carla, ben, anna = tabs["carla"], tabs["ben"], tabs["anna"]
        for tab, user in ((ben, BEN), (anna, ANNA)):
            await tab.say("hilfe", user=user)  # so the bot knows where they are
            await eventually(tab.shown, within=WAIT)

        # Carla types `submit` and fills in the form: LinkedIn, wished for Tuesday 10:00.
        await carla.say("submit", user=CARLA)
        await click(
            carla,
            CARLA,
            "intake.new.submit",
            text="Sommerfest\nWir feiern am Freitag im Hof!",
            channels="linkedin",
            publish_at="dienstag 10:00",
        )
        await eventually(lambda: said(carla, "Eingereicht: #1"), within=WAIT)
        await click(ben, BEN, "approval.approve")
        await click(anna, ANNA, "approval.approve")

        # Anna owns LinkedIn: she is asked to plan it; Carla only hears it is approved.
        note = await eventually(lambda: said(anna, "bitte einplanen"), within=WAIT)
        assert "#1 „Sommerfest“ ist freigegeben – bitte einplanen" in note[0]
        await eventually(lambda: said(carla, "ist freigegeben"), within=WAIT)
        assert with_button(carla, "publishing.plan") == []

        # Einplanen: the form suggests the wished date; Anna takes it as it is.
        await click(anna, ANNA, "publishing.plan", "bitte einplanen")
        form = await eventually(lambda: with_button(anna, "publishing.plan.save"), within=WAIT)
        assert input_values(form[-1][0].cards) == {"date": "2026-12-01", "time": "10:00"}
        await click(anna, ANNA, "publishing.plan.save")
        planned = await eventually(lambda: said(anna, "Eingeplant: LinkedIn"), within=WAIT)
        assert "Eingeplant: LinkedIn – #1 „Sommerfest“ am 01.12.2026, 10:00" in planned[0]
        posting = await _posting(bot)
        assert posting.status == "planned" and posting.planned_at == TUESDAY_10

        # At the time: the hand-off in Anna's tab, with the text to copy and the approvers.
        assert said(anna, "Jetzt posten") == []
        await bot.tick(TUESDAY_10)
        handoff = (await eventually(lambda: said(anna, "Jetzt posten"), within=WAIT))[0]
        assert "Jetzt posten: LinkedIn – #1 Sommerfest" in handoff
        assert "Wir feiern am Freitag im Hof!" in handoff and "Ben Weber, Anna Schmidt" in handoff

        # Gepostet, with the link: Carla's tab shows her post is live; the hand-off says so.
        shown = await click(anna, ANNA, "publishing.posted", "Jetzt posten")
        asked = await eventually(lambda: with_button(anna, "publishing.posted.save"), within=WAIT)
        assert "Link zum Beitrag" in asked[-1][0].text
        await click(anna, ANNA, "publishing.posted.save", url=POST_URL)
        live = await eventually(lambda: said(carla, "live auf"), within=WAIT)
        assert len(live) == 1
        assert live[0].splitlines() == [
            f"🚀 Dein Beitrag ist live auf LinkedIn: {POST_URL}",
            "#1 „Sommerfest“",
        ]
        marked = await eventually(
            lambda: [
                m
                for m in anna.messages()
                if m.message_id == shown.message_id and f"Gepostet: {POST_URL}" in m.text
            ],
            within=WAIT,
        )
        assert submit_data(marked[0].cards) == []  # its buttons are gone
        assert "Jetzt posten" in first_text(marked[0].cards[0])

    posting = await _posting(bot)
    assert posting.status == "posted" and posting.url == POST_URL
    async with bot.runtime.sessions() as session:
        item = await session.get(ContentItem, 1)
        assert item is not None and item.status == "published"
