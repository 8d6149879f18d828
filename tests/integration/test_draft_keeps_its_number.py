"""A draft shows the number its content will have: "Entwurf #2" is submitted as #2, and the
approver's card says #2, even when other content took numbers in between."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from storage.models import ContentItem, OutboxMessage
from tests import intake_files as f
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.support import (
    block_texts,
    buttons,
    dm,
    eventually,
    eventually_async,
    file_share,
    people_on_slack,
    say,
)

CARLA, BEN = "U0CARLA", "U0BEN"


@pytest.fixture(autouse=True)
async def outbox_settles(bot: RunningBot) -> AsyncIterator[None]:
    yield

    async def drained() -> bool:
        async with bot.runtime.sessions() as session:
            query = select(func.count()).select_from(OutboxMessage)
            return not await session.scalar(query.where(OutboxMessage.status == "pending"))

    await eventually_async(drained, within=5.0)


async def test_a_draft_keeps_its_number_when_submitted(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    info = fake_slack.add_file("FDRAFT1", "visual.png", f.png(1200, 628))
    await bot.slack.event(
        file_share(CARLA, [info], "1700000300.000001", "Sommerfest"), event_id="EvDRAFT1"
    )
    draft = await dm(fake_slack, CARLA)
    assert "Entwurf #1" in block_texts(draft.blocks)

    # Typed straight in while the draft waits: the next number, not the draft's.
    said = await say(bot, fake_slack, CARLA, "/submit", "Messe in Köln")
    assert "Eingereicht: #2" in said
    assert "Inhalt #2" in block_texts((await dm(fake_slack, BEN)).blocks)
    assert "#1" not in await say(bot, fake_slack, CARLA, "/status", "")

    before = len(fake_slack.responses)
    await bot.slack.click(CARLA, "intake.submit", buttons(draft.blocks)["intake.submit"])
    confirmation = await eventually(
        lambda: [r for r in fake_slack.responses[before:] if "Eingereicht:" in r.get("text", "")]
    )
    assert "Eingereicht: #1" in confirmation[0]["text"]
    card = await dm(fake_slack, BEN, 2)
    assert "Freigabe angefragt: Sommerfest" in block_texts(card.blocks)
    assert "Inhalt #1" in block_texts(card.blocks)
    await eventually(lambda: "Eingereicht als Inhalt #1" in block_texts(draft.blocks))


async def test_a_reserved_number_is_no_content_yet(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    info = fake_slack.add_file("FDRAFT2", "visual.png", f.png(1200, 628))
    await bot.slack.event(
        file_share(CARLA, [info], "1700000300.000002", "Noch nicht fertig"), event_id="EvDRAFT2"
    )
    draft = await dm(fake_slack, CARLA)
    assert "Entwurf #1" in block_texts(draft.blocks)

    assert "Einen Inhalt #1 gibt es nicht" in await say(bot, fake_slack, CARLA, "/history", "1")
    assert "#1" not in await say(bot, fake_slack, CARLA, "/status", "")
    departments = await say(bot, fake_slack, CARLA, "/desk", "departments")
    assert "Beiträge in 30 Tagen: 0" in departments and "Carla Neumann (0 Beiträge)" in departments
    async with bot.runtime.sessions() as session:
        statuses = (await session.scalars(select(ContentItem.status))).all()
        assert statuses == ["draft"]
