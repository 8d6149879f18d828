"""A crisis pauses scheduled content and holds approvals in flight; afterwards the social media
manager resumes some of it and keeps the rest frozen."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.content.service import create_item
from bot.people.service import person_by_handle
from storage.models import ApprovalRequest, ContentItem, Decision, RequestApprover
from tests.fakes.slack_api import FakeSlackApi
from tests.integration.crisis_support import (
    ANNA,
    BEN,
    CARLA,
    START,
    CrisisBot,
    crisis_bot,
    dm,
    in_room,
    reply_to,
)
from tests.support import block_texts, buttons, eventually, say

__all__ = ["crisis_bot"]


async def _scheduled(
    bot: CrisisBot, text: str, publish_in: timedelta | None, channels: tuple[str, ...] = ()
) -> int:
    """An item Ben approved, scheduled to go out `publish_in` after the start (None: no
    date), for `channels`."""
    async with bot.runtime.sessions.begin() as session:
        carla = await person_by_handle(session, "carla")
        ben = await person_by_handle(session, "ben")
        assert carla and ben
        item = await create_item(
            session,
            submitter=carla,
            department_id="marketing",
            approval_path="standard",
            text=text,
            status="approved",
            now=START - timedelta(days=1),
        )
        item.publish_at = START + publish_in if publish_in is not None else None
        item.channels = list(channels)
        item.decided_at = START - timedelta(hours=20)
        request = ApprovalRequest(
            item_id=item.id,
            version_id=item.latest.id,
            stage_index=0,
            stage_name="Fachliche Freigabe",
            mode="any",
            status="approved",
            created_at=START - timedelta(days=1),
        )
        request.approvers = [RequestApprover(person_id=ben.id)]
        request.decisions = []
        session.add(request)
        await session.flush()
        session.add(
            Decision(
                request_id=request.id,
                person_id=ben.id,
                outcome="approved",
                decided_at=START - timedelta(hours=20),
            )
        )
        return item.id


async def _status(bot: CrisisBot, item_id: int) -> str:
    async with bot.runtime.sessions() as session:
        item = await session.get(ContentItem, item_id)
        assert item is not None
        return item.status


async def test_freeze_hold_and_selective_resume(
    crisis_bot: CrisisBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = crisis_bot, fake_slack
    kinderwagen = await _scheduled(bot, "Neue Kinderwagen-Kollektion", timedelta(hours=3))
    rabatt = await _scheduled(bot, "Rabattaktion Kinderwagen", timedelta(days=1))
    gone = await _scheduled(bot, "Gestern veröffentlicht", -timedelta(hours=1))
    await bot.slack.command(CARLA, "/submit", "Gewinnspiel zum Advent")
    ben_card = await dm(fake, BEN)
    value = buttons(ben_card.blocks)["approval.approve"]

    await bot.slack.command(ANNA, "/crisis", "Rückruf Kinderwagen")
    said = await reply_to(fake, "cmd", 2)
    assert "Eingefroren: 2, angehaltene Freigaben: 1" in said
    assert await _status(bot, kinderwagen) == await _status(bot, rabatt) == "paused"
    assert await _status(bot, gone) == "approved"  # already out: nothing to pause

    # Submitter and approver are told why.
    told = await eventually(
        lambda: [
            m
            for m in fake.dms_to(CARLA)
            if "ist angehalten" in m.text and m.text.startswith("⏸ #1")
        ]
    )
    assert "Krise #1" in block_texts(told[0].blocks)
    await eventually(
        lambda: [m for m in fake.dms_to(BEN) if m.text.startswith("⏸ #2 „Rabattaktion")]
    )
    await eventually(lambda: [m for m in fake.dms_to(BEN) if "Freigabe für #4" in m.text])
    await in_room(fake, "2 eingefroren, 1 Freigabe angehalten")

    # The approval in flight is held: Ben's card says so in place, without buttons, and a
    # click on a card that still had them changes nothing.
    await eventually(lambda: "angehalten – Krise #1" in ben_card.text)
    assert buttons(ben_card.blocks) == {}
    assert "die Knöpfe kommen zurück" in block_texts(ben_card.blocks)
    await bot.slack.click(BEN, "approval.approve", value)
    assert "wegen einer laufenden Krise angehalten" in await reply_to(fake, "click")
    async with bot.runtime.sessions() as session:
        request = await session.get(ApprovalRequest, int(value))
        assert request is not None and request.status == "pending"

    bot.advance(timedelta(minutes=30))
    await bot.slack.command(ANNA, "/crisis", "resolve Entwarnung")
    # Released: the buttons are back on the same card, and Ben hears it is his to decide.
    await eventually(lambda: "approval.approve" in buttons(ben_card.blocks))
    assert "angehalten" not in ben_card.text
    free = await eventually(lambda: [m for m in fake.dms_to(BEN) if "ist wieder frei" in m.text])
    assert "Freigabe für #4" in free[0].text
    assert "du kannst jetzt auf deiner Karte entscheiden" in block_texts(free[0].blocks)
    await eventually(lambda: [m for m in fake.dms_to(CARLA) if "ist wieder frei" in m.text])
    decision = (
        await eventually(
            lambda: [m for m in fake.dms_to(ANNA) if "2 eingefrorene Inhalte" in m.text]
        )
    )[0]
    assert set(buttons(decision.blocks)) == {
        "crisis.resume_all",
        "crisis.resume_some",
        "crisis.keep_frozen",
    }
    await bot.slack.click(BEN, "crisis.resume_all", "1")
    assert "Social-Media-Management" in await reply_to(fake, "click", 2)

    await bot.slack.click(ANNA, "crisis.resume_some", "1")
    await eventually(lambda: [m for m in fake.dms_to(ANNA) if m.text.startswith("#2 ")])
    pick = next(m for m in fake.dms_to(ANNA) if m.text.startswith("#2 Rabattaktion"))
    assert buttons(pick.blocks) == {"crisis.resume_item": f"1:{rabatt}"}
    await bot.slack.click(ANNA, "crisis.resume_item", f"1:{rabatt}")
    await eventually(lambda: pick.updates)
    assert "Fortgesetzt von Anna Schmidt" in block_texts(pick.blocks)
    assert await _status(bot, rabatt) == "approved"
    await eventually(lambda: [m for m in fake.dms_to(CARLA) if m.text.startswith("▶️ #2")])
    await eventually(lambda: "fortgesetzt von Anna Schmidt" in block_texts(decision.blocks))

    await bot.slack.click(ANNA, "crisis.keep_frozen", "1")
    await eventually(lambda: buttons(decision.blocks) == {})
    assert "bleibt eingefroren (Anna Schmidt)" in block_texts(decision.blocks)
    assert await _status(bot, kinderwagen) == "paused"

    # Held approvals are free again.
    await bot.slack.click(BEN, "approval.approve", value)
    await eventually(lambda: "Freigegeben von Ben Weber" in block_texts(ben_card.blocks))
    async with bot.runtime.sessions() as session:
        request = await session.get(ApprovalRequest, int(value))
        assert request is not None and request.status == "approved"

    await bot.slack.command(ANNA, "/crisis", "report")
    report = await reply_to(fake, "cmd", 4)
    assert "Inhalte: 2 eingefroren, 1 fortgesetzt" in report
    assert "#2 Rabattaktion Kinderwagen" in report and "fortgesetzt von Anna Schmidt" in report
    assert "1 laufende Freigabe war angehalten und ist wieder frei" in report
    rows = await _all_items(bot)
    assert [r.status for r in rows][:3] == ["paused", "approved", "approved"]


async def _all_items(bot: CrisisBot) -> list[ContentItem]:
    async with bot.runtime.sessions() as session:
        return list((await session.scalars(select(ContentItem).order_by(ContentItem.id))).all())


async def test_a_plan_made_during_the_crisis_is_frozen_when_it_falls_due(
    crisis_bot: CrisisBot, fake_slack: FakeSlackApi
) -> None:
    """Approved without a date before the crisis, so nothing froze it then; Anna plans it for
    LinkedIn during the crisis. At the planned time nobody is told to post it: it pauses, Carla
    and Ben hear why, the crisis room hears of it, and it waits for the managers' decision at
    resolve like the rest."""
    bot, fake = crisis_bot, fake_slack
    item = await _scheduled(bot, "Herbstaktion Babyschalen", None, ("linkedin",))
    await bot.slack.command(ANNA, "/crisis", "Rückruf Kinderwagen")
    assert "Eingefroren: 0" in await reply_to(fake, "cmd")
    planned = await say(bot, fake, ANNA, "/plan", f"{item} linkedin 23.11.2026 10:00")
    assert "LinkedIn" in planned and "23.11." in planned

    bot.advance(timedelta(days=1))
    await bot.run_timers()
    await eventually(lambda: [m for m in fake.dms_to(CARLA) if m.text.startswith(f"⏸ #{item}")])
    await eventually(lambda: [m for m in fake.dms_to(BEN) if m.text.startswith(f"⏸ #{item}")])
    in_the_room = await in_room(fake, f"⏸ #{item} „Herbstaktion Babyschalen“ ist angehalten")
    assert "Krise #" in in_the_room.text + str(in_the_room.blocks)
    assert [m for m in fake.dms_to(ANNA) if m.text.startswith("📣 Jetzt posten")] == []
    assert await _status(bot, item) == "paused"

    await bot.slack.command(ANNA, "/crisis", "resolve Entwarnung")
    decision = await eventually(
        lambda: [m for m in fake.dms_to(ANNA) if "1 eingefrorener Inhalt" in m.text]
    )
    await bot.slack.click(ANNA, "crisis.resume_all", "1")
    await eventually(lambda: buttons(decision[0].blocks) == {})
    await bot.run_timers()  # its time has passed: handed off at the next round
    handoff = await eventually(
        lambda: [m for m in fake.dms_to(ANNA) if m.text.startswith("📣 Jetzt posten")]
    )
    assert f"#{item} Herbstaktion Babyschalen" in handoff[0].text
