"""A colleague submits in Slack, the path's approvers click in their DMs, she hears the outcome."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from storage.models import ApprovalRequest, ContentItem, Decision
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi, Posted
from tests.support import block_texts, buttons, eventually

CARLA, BEN, ANNA = "U0CARLA", "U0BEN", "U01ANNA"


def people_on_slack(fake: FakeSlackApi) -> None:
    fake.add_user(CARLA, "carla@beispiel.de")
    fake.add_user(BEN, "ben@beispiel.de")
    fake.add_user(ANNA, "anna@beispiel.de")


async def card_for(fake: FakeSlackApi, user: str, n: int = 1) -> Posted:
    await eventually(lambda: len(fake.dms_to(user)) >= n)
    return fake.dms_to(user)[n - 1]


async def submit(bot: RunningBot, fake: FakeSlackApi, text: str) -> None:
    resp = await bot.slack.command(CARLA, "/submit", text)
    assert resp.status == 200


async def test_two_stage_approval_tells_the_submitter(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await submit(bot, fake_slack, "Neuer Beitrag zur Messe in Köln")

    confirmation = await eventually(lambda: fake_slack.responses)
    text = block_texts(confirmation[0]["blocks"])
    assert "Eingereicht: #1 „Neuer Beitrag zur Messe in Köln“" in text
    assert "Fachliche Freigabe → Social Media" in text
    assert "Ben Weber" in text
    assert confirmation[0]["response_type"] == "ephemeral"

    ben_card = await card_for(fake_slack, BEN)
    shown = block_texts(ben_card.blocks)
    assert "Freigabe angefragt: Neuer Beitrag zur Messe in Köln" in shown
    assert "Carla Neumann" in shown and "Fachliche Freigabe (1/2)" in shown
    assert set(buttons(ben_card.blocks)) == {
        "approval.approve",
        "approval.changes",
        "approval.reject",
    }
    assert fake_slack.dms_to(ANNA) == []  # stage 2 waits for stage 1

    await bot.slack.click(BEN, "approval.approve", buttons(ben_card.blocks)["approval.approve"])
    await eventually(lambda: ben_card.updates)
    assert "Freigegeben von Ben Weber" in block_texts(ben_card.blocks)
    assert buttons(ben_card.blocks) == {}

    anna_card = await card_for(fake_slack, ANNA)
    assert "Social Media (2/2)" in block_texts(anna_card.blocks)
    await bot.slack.click(ANNA, "approval.approve", buttons(anna_card.blocks)["approval.approve"])

    outcome = await card_for(fake_slack, CARLA)
    assert "#1 „Neuer Beitrag zur Messe in Köln“ ist freigegeben" in outcome.text
    async with bot.runtime.sessions() as session:
        item = await session.scalar(select(ContentItem))
        assert item is not None and item.status == "approved"


async def test_rejection_names_who_rejected(bot: RunningBot, fake_slack: FakeSlackApi) -> None:
    people_on_slack(fake_slack)
    await submit(bot, fake_slack, "Rabattaktion 50 %")
    ben_card = await card_for(fake_slack, BEN)
    await bot.slack.click(BEN, "approval.reject", buttons(ben_card.blocks)["approval.reject"])
    modal = (await eventually(lambda: fake_slack.views))[0]  # a reason is required
    await bot.slack.submit_view(BEN, modal, {"comment": "Rabatte nur nach Rücksprache"})
    outcome = await card_for(fake_slack, CARLA)
    assert "wurde von Ben Weber abgelehnt" in outcome.text
    assert "Rabatte nur nach Rücksprache" in block_texts(outcome.blocks)
    assert "Abgelehnt von Ben Weber" in block_texts(ben_card.blocks)
    assert fake_slack.dms_to(ANNA) == []


async def test_only_the_stages_approvers_may_decide(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await submit(bot, fake_slack, "Teaser für den Produktlaunch")
    ben_card = await card_for(fake_slack, BEN)
    request_id = buttons(ben_card.blocks)["approval.approve"]

    await bot.slack.click(ANNA, "approval.approve", request_id)  # stage 2's approver, too early
    refusal = await eventually(
        lambda: [r for r in fake_slack.responses if r["_url"].startswith("click")]
    )
    assert "entscheiden nur: Ben Weber" in refusal[0]["text"]
    assert refusal[0]["response_type"] == "ephemeral"
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Decision)) == 0
        request = await session.get(ApprovalRequest, int(request_id))
        assert request is not None and request.status == "pending"
    assert ben_card.updates == []


async def test_double_click_makes_one_decision(bot: RunningBot, fake_slack: FakeSlackApi) -> None:
    people_on_slack(fake_slack)
    await submit(bot, fake_slack, "Story: Blick hinter die Kulissen")
    ben_card = await card_for(fake_slack, BEN)
    value = buttons(ben_card.blocks)["approval.approve"]

    first, second = await asyncio.gather(
        bot.slack.click(BEN, "approval.approve", value),
        bot.slack.click(BEN, "approval.approve", value),
    )
    assert first.status == second.status == 200
    await card_for(fake_slack, ANNA)
    answer = await eventually(
        lambda: [r for r in fake_slack.responses if r["_url"].startswith("click")]
    )
    assert "schon entschieden: freigegeben von Ben Weber" in answer[0]["text"]
    await asyncio.sleep(0.3)  # give a wrongly doubled stage 2 the time to show itself
    assert len(fake_slack.dms_to(ANNA)) == 1
    assert len(ben_card.updates) == 1
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Decision)) == 1
        assert await session.scalar(select(func.count()).select_from(ApprovalRequest)) == 2


async def test_submit_without_text_explains_itself(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await bot.slack.command(CARLA, "/submit", "")
    answer = await eventually(lambda: fake_slack.responses)
    assert "So reichst du Inhalte ein" in answer[0]["text"]
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContentItem)) == 0
