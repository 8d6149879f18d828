"""A colleague submits in Slack, the path's approvers click in their DMs, she hears the outcome."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from storage.models import ApprovalRequest, ContentItem, Decision
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.intake_files import png
from tests.support import block_texts, buttons, dm, eventually, people_on_slack

CARLA, BEN, ANNA = "U0CARLA", "U0BEN", "U01ANNA"


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

    ben_card = await dm(fake_slack, BEN)
    shown = block_texts(ben_card.blocks)
    assert "Freigabe angefragt: Neuer Beitrag zur Messe in Köln" in shown
    assert "Carla Neumann" in shown and "Fachliche Freigabe (1/2)" in shown
    assert set(buttons(ben_card.blocks)) == {
        "approval.approve",
        "approval.changes",
        "approval.reject",
    }
    assert fake_slack.dms_to(ANNA) == []  # stage 2 waits for stage 1
    styles = {
        e["action_id"]: e.get("style")
        for b in ben_card.blocks
        if b["type"] == "actions"
        for e in b["elements"]
    }
    assert styles["approval.reject"] == "danger" and styles["approval.approve"] == "primary"

    # Carla's status message in her DM: where the item is, updated in place as it moves.
    status = await dm(fake_slack, CARLA)
    assert "#1 „Neuer Beitrag zur Messe in Köln“ liegt jetzt bei Ben Weber" in status.text
    assert "approval.withdraw" in buttons(status.blocks)

    await bot.slack.click(BEN, "approval.approve", buttons(ben_card.blocks)["approval.approve"])
    await eventually(lambda: ben_card.updates)
    # The decided card says so at the top, in its headline, and has no buttons left.
    assert ben_card.blocks[0]["text"]["text"].startswith("*✅ Freigegeben von Ben Weber")
    assert buttons(ben_card.blocks) == {}
    await eventually(lambda: "liegt jetzt bei Anna Schmidt (Social Media)" in status.text)
    assert "✅ Fachliche Freigabe → Social Media" in block_texts(status.blocks)
    update_calls = fake_slack.calls_to("chat.update")
    assert any(c.params.get("ts") == status.ts for c in update_calls)  # the same message

    anna_card = await dm(fake_slack, ANNA)
    assert "Social Media (2/2)" in block_texts(anna_card.blocks)
    await bot.slack.click(ANNA, "approval.approve", buttons(anna_card.blocks)["approval.approve"])

    outcome = await dm(fake_slack, CARLA, 2)
    assert "#1 „Neuer Beitrag zur Messe in Köln“ ist freigegeben" in outcome.text
    await eventually(lambda: "#1 „Neuer Beitrag zur Messe in Köln“: freigegeben" in status.text)
    assert buttons(status.blocks) == {}  # nothing left to withdraw
    async with bot.runtime.sessions() as session:
        item = await session.scalar(select(ContentItem))
        assert item is not None and item.status == "approved"


async def test_rejection_names_who_rejected(bot: RunningBot, fake_slack: FakeSlackApi) -> None:
    people_on_slack(fake_slack)
    await submit(bot, fake_slack, "Rabattaktion 50 %")
    ben_card = await dm(fake_slack, BEN)
    await bot.slack.click(BEN, "approval.reject", buttons(ben_card.blocks)["approval.reject"])
    modal = (await eventually(lambda: fake_slack.views))[0]  # a reason is required
    await bot.slack.submit_view(BEN, modal, {"comment": "Rabatte nur nach Rücksprache"})
    outcome = await dm(fake_slack, CARLA, 2)
    assert "wurde von Ben Weber abgelehnt" in outcome.text
    assert "Rabatte nur nach Rücksprache" in block_texts(outcome.blocks)
    await eventually(lambda: ben_card.updates)
    # The decided card: its headline says who rejected, the reason as it was sent.
    assert ben_card.blocks[0]["text"]["text"].startswith("*❌ Abgelehnt von Ben Weber")
    assert "Ben Weber schrieb:\nRabatte nur nach Rücksprache" in block_texts(ben_card.blocks)
    status = await dm(fake_slack, CARLA)
    await eventually(lambda: "abgelehnt von Ben Weber" in status.text)  # its own delivery
    assert fake_slack.dms_to(ANNA) == []


async def test_only_the_stages_approvers_may_decide(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await submit(bot, fake_slack, "Teaser für den Produktlaunch")
    ben_card = await dm(fake_slack, BEN)
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
    ben_card = await dm(fake_slack, BEN)
    value = buttons(ben_card.blocks)["approval.approve"]

    first, second = await asyncio.gather(
        bot.slack.click(BEN, "approval.approve", value),
        bot.slack.click(BEN, "approval.approve", value),
    )
    assert first.status == second.status == 200
    await dm(fake_slack, ANNA)
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


async def test_submit_without_text_opens_a_form_with_a_file_input(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await bot.slack.command(CARLA, "/submit", "")
    modal = (await eventually(lambda: fake_slack.views))[0]
    assert modal["title"]["text"] == "Inhalt einreichen"
    elements = {
        b["block_id"]: b["element"]["type"] for b in modal["blocks"] if b["type"] == "input"
    }
    assert elements == {
        "text": "plain_text_input",
        "channels": "multi_static_select",  # picked from the registry, not typed
        "publish_at": "plain_text_input",
        # "Text für X" per channel: a channel's own text, where the main text does not fit
        "text.linkedin": "plain_text_input",
        "text.instagram": "plain_text_input",
        "text.x": "plain_text_input",
        "files": "file_input",
    }

    visual = fake_slack.add_file("F0VISUAL", "messe.png", png(1200, 628), "image/png")
    status, _ = await bot.slack.submit_view(
        CARLA,
        modal,
        {"text": "Unser Stand auf der Messe", "channels": "linkedin"},
        files={"files": [visual]},
    )
    assert status == 200
    ben_card = await dm(fake_slack, BEN)
    shown = block_texts(ben_card.blocks)
    assert "Unser Stand auf der Messe" in shown and "messe.png" in shown
    async with bot.runtime.sessions() as session:
        item = await session.scalar(select(ContentItem))
        assert item is not None and item.channels == ["linkedin"]
        assert [a.filename for a in item.latest.attachments] == ["messe.png"]


async def test_submit_form_refuses_a_fake_png_and_keeps_nothing(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await bot.slack.command(CARLA, "/submit", "")
    modal = (await eventually(lambda: fake_slack.views))[0]
    fake = fake_slack.add_file("F0FAKE", "bild.png", b"GIF89a, really", "image/png")
    await bot.slack.submit_view(CARLA, modal, {"text": "Mit Bild"}, files={"files": [fake]})
    answer = await eventually(lambda: fake_slack.calls_to("chat.postEphemeral"))
    assert "bild.png" in answer[0].params["text"] + str(answer[0].params.get("blocks"))
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContentItem)) == 0


async def test_empty_submit_form_changes_nothing(bot: RunningBot, fake_slack: FakeSlackApi) -> None:
    people_on_slack(fake_slack)
    await bot.slack.command(CARLA, "/submit", "")
    modal = (await eventually(lambda: fake_slack.views))[0]
    await bot.slack.submit_view(CARLA, modal, {"text": "  "})
    answer = await eventually(lambda: fake_slack.calls_to("chat.postEphemeral"))
    assert "weder Text noch eine Datei" in answer[0].params["text"]
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContentItem)) == 0
