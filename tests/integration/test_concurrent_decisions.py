"""Two approvers of an `any` stage click at the same moment: one decision, and the other is
told who decided. The keyword rule that sent the item to legal is explained to the submitter."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from storage.models import ApprovalRequest, Decision
from tests.fakes.slack_api import FakeSlackApi
from tests.integration.approval_support import (
    ANNA,
    CARLA,
    EVA,
    GINA,
    ClockedBot,
    config_path,
    desk,
    dm,
    dms,
    say,
    text_of,
)
from tests.support import block_texts, buttons, eventually

assert desk and config_path  # fixtures, used by name


async def test_two_approvers_of_an_any_stage_click_at_once(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    answer = await say(desk, fake_slack, CARLA, "/submit", "Neuer Preis für das Jahresabo")
    assert "path “Recht” because of: keyword Preis" in answer  # Carla reads English
    assert "Recht → Social Media" in answer

    eva_card = await dm(fake_slack, EVA, "Jahresabo")
    gina_card = await dm(fake_slack, GINA, "Jahresabo")
    assert "Eva Lang, Gina Roth (eine Person genügt)" in text_of(eva_card)
    value = buttons(eva_card.blocks)["approval.approve"]
    assert buttons(gina_card.blocks)["approval.approve"] == value

    first, second = await asyncio.gather(
        desk.slack.click(EVA, "approval.approve", value),
        desk.slack.click(GINA, "approval.approve", value),
    )
    assert first.status == second.status == 200
    await dm(fake_slack, ANNA, "Jahresabo")
    answers = await eventually(
        lambda: [r for r in fake_slack.responses if r["_url"].startswith("click")]
    )
    assert len(answers) == 1
    loser_told = answers[0]["text"]
    assert "Darüber ist schon entschieden: freigegeben von" in loser_told
    async with desk.runtime.sessions() as session:
        decisions = (await session.scalars(select(Decision))).all()
        assert len(decisions) == 1
        assert await session.scalar(select(func.count()).select_from(ApprovalRequest)) == 2
    assert ("Eva Lang" in loser_told) != ("Gina Roth" in loser_told)
    await eventually(lambda: eva_card.updates and gina_card.updates)
    for card in (eva_card, gina_card):  # both cards show the one decision, without buttons
        assert "Freigegeben von" in block_texts(card.blocks)
        assert buttons(card.blocks) == {}
    await asyncio.sleep(0.3)  # a wrongly doubled next stage (or answer) would show itself now
    assert len(dms(fake_slack, ANNA, "Jahresabo")) == 1
    assert len([r for r in fake_slack.responses if r["_url"].startswith("click")]) == 1
