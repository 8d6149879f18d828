"""The social media manager declares a crisis in Slack: the team is paged into a private room,
acknowledges, gets a statement through the fast path, and the crisis ends with a report."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from sqlalchemy import func, select

from storage.models import AuditEntry, Crisis, CrisisMember, OutboxMessage
from tests.fakes.slack_api import FakeSlackApi
from tests.integration.crisis_support import (
    ANNA,
    BEN,
    CARLA,
    DAVID,
    ROOM,
    START,
    CrisisBot,
    answers,
    crisis_bot,
    dm,
    in_room,
    reply_to,
    room_id,
)
from tests.support import block_texts, buttons, eventually, eventually_async

__all__ = ["crisis_bot"]


async def test_declare_page_ack_statement_resolve_report(
    crisis_bot: CrisisBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = crisis_bot, fake_slack
    await bot.slack.command(ANNA, "/crisis", "Rückruf Kinderwagen")

    said = await reply_to(fake, "cmd")
    assert f"Krise #1 ausgerufen. Krisenraum: #{ROOM}" in said
    assert "David Krause" in said and "Ben Weber" in said

    # A private channel with the whole team, and the protocol in it.
    protocol = await in_room(fake, "Krise #1: Rückruf Kinderwagen")
    channel = fake.channel_named(ROOM)
    assert channel is not None and channel["is_private"] is True
    assert set(channel["members"]) == {ANNA, BEN, DAVID}
    shown = block_texts(protocol.blocks)
    assert "☐ Schweregrad eingeschätzt" in shown and "☐ Stakeholder informiert" in shown
    assert "⏳ Ben Weber (alarmiert ×1)" in shown and "✅ Anna Schmidt" in shown
    assert {"crisis.severity.1", "crisis.check.monitoring"} <= set(buttons(protocol.blocks))

    # Everyone but the declarer is paged by DM with [Ich bin dran].
    ben_page, david_page = await dm(fake, BEN), await dm(fake, DAVID)
    assert "Krise: Rückruf Kinderwagen – du bist im Krisenteam." in ben_page.text
    assert buttons(ben_page.blocks) == {"crisis.ack": "1"}
    assert fake.dms_to(ANNA) == []

    bot.advance(timedelta(minutes=2))
    await bot.slack.click(BEN, "crisis.ack", "1")
    await eventually(lambda: ben_page.updates)
    assert "Bestätigt: du bist dran" in block_texts(ben_page.blocks)
    assert buttons(ben_page.blocks) == {}
    await eventually(lambda: "✅ Ben Weber (dran seit 10:02)" in block_texts(protocol.blocks))

    # David has not answered: after repage_every (10 min) he is paged again, Ben is not.
    bot.advance(timedelta(minutes=8))
    assert await bot.run_timers() >= 1
    second = await dm(fake, DAVID, 2)
    assert second.text.startswith("Erinnerung (2.):")
    assert len(fake.dms_to(BEN)) == 1
    bot.advance(timedelta(minutes=1))
    await bot.slack.click(DAVID, "crisis.ack", "1")
    await eventually(lambda: david_page.updates and second.updates)

    # The checklist records who and when.
    await bot.slack.click(ANNA, "crisis.severity.2", "1", channel=room_id(fake))
    await eventually(
        lambda: "☑ Schweregrad eingeschätzt: 2 – Anna Schmidt" in block_texts(protocol.blocks)
    )
    assert "crisis.severity.1" not in buttons(protocol.blocks)

    # A statement through the crisis path: marked urgent, press and management both approve.
    bot.advance(timedelta(minutes=4))  # 10:15
    await bot.slack.command(ANNA, "/crisis", "statement Wir nehmen das sehr ernst.")
    assert "Statement #1 ist in der Krisenfreigabe" in await reply_to(fake, "cmd", 2)
    ben_card = await dm(fake, BEN, 2)
    david_card = await dm(fake, DAVID, 3)
    assert ben_card.text.startswith("🚨 DRINGEND (Krise):")
    await in_room(fake, "Statement #1 zur Freigabe eingereicht von Anna Schmidt")
    bot.advance(timedelta(minutes=3))
    await bot.slack.click(BEN, "approval.approve", buttons(ben_card.blocks)["approval.approve"])
    await eventually(lambda: ben_card.updates)
    bot.advance(timedelta(minutes=2))  # 10:20: approved 20 minutes after the declaration
    await bot.slack.click(DAVID, "approval.approve", buttons(david_card.blocks)["approval.approve"])
    await eventually(lambda: david_card.updates)
    await bot.run_timers()  # the planner notices the approved statement
    await in_room(fake, "Statement #1 „Wir nehmen das sehr ernst.“ ist freigegeben")
    await eventually(
        lambda: "☑ Statement freigegeben – David Krause" in block_texts(protocol.blocks)
    )

    await bot.slack.command(DAVID, "/crisis", "update Presseanfrage der dpa beantwortet")
    update = await in_room(fake, "Update zu Krise #1 von David Krause")
    assert "Presseanfrage der dpa beantwortet" in block_texts(update.blocks)

    await bot.slack.command(BEN, "/crisis", "status")
    status = await reply_to(fake, "cmd", 4)
    assert "offen seit 20 min" in status
    assert "Ben Weber ist dran" in status and "Statement #1 freigegeben (David Krause)" in status

    bot.advance(timedelta(minutes=40))  # 11:00
    await bot.slack.command(ANNA, "/crisis", "resolve Rückruf kommuniziert, Lage beruhigt")
    assert "Krise #1 ist beendet" in await reply_to(fake, "cmd", 5)
    report = await in_room(fake, "Krisenbericht #1")
    text = block_texts(report.blocks)
    assert "Zeit bis zur ersten Bestätigung je Rolle" in text
    assert "- Geschäftsführung: 2 min (Ben Weber)" in text
    assert "- Presse: 11 min (David Krause)" in text
    assert "Zeit bis zum ersten freigegebenen Statement\n20 min (#1" in text
    assert "Inhalte: 0 eingefroren, 0 fortgesetzt" in text
    assert "Anna Schmidt beendet die Krise: Rückruf kommuniziert, Lage beruhigt" in text
    anna_report = await eventually(
        lambda: [m for m in fake.dms_to(ANNA) if "Krisenbericht #1" in m.text]
    )
    assert "- Presse: 11 min" in block_texts(anna_report[0].blocks)
    await eventually(lambda: "Krise #1 beendet" in protocol.text)
    assert buttons(protocol.blocks) == {}

    await bot.slack.command(BEN, "/crisis", "report")
    markdown = await reply_to(fake, "cmd", 6)
    assert "# Krisenbericht #1: Rückruf Kinderwagen" in markdown
    assert "## Zeitleiste" in markdown and "David Krause erneut alarmiert (2.)" in markdown

    # Resolved means quiet: no more pages or update reminders, whatever the time.
    pages = len(fake.dms_to(DAVID))
    bot.advance(timedelta(hours=3))
    await bot.run_timers()
    async with bot.runtime.sessions() as session:
        crisis = await session.scalar(select(Crisis))
        assert crisis is not None and crisis.status == "resolved" and crisis.severity == 2
    await asyncio.sleep(0.3)  # a page the round wrongly queued would be delivered by now
    assert len(fake.dms_to(DAVID)) == pages


async def test_only_the_allowed_may_declare(
    crisis_bot: CrisisBot, fake_slack: FakeSlackApi
) -> None:
    await crisis_bot.slack.command(CARLA, "/crisis", "Ich finde, das ist eine Krise")
    said = await reply_to(fake_slack, "cmd")
    assert "Melde deinen Verdacht" in said and "protokolliert" not in said
    answer = next(r for r in fake_slack.responses if r["_url"].startswith("cmd"))
    assert buttons(answer["blocks"]) == {"crisis.suspect": "Ich finde, das ist eine Krise"}
    async with crisis_bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Crisis)) == 0
        logged = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "crisis.refused")
        )
        assert (
            logged is not None and logged.details["description"] == "Ich finde, das ist eine Krise"
        )
    assert fake_slack.calls_to("conversations.create") == []
    assert fake_slack.dms_to(BEN) == []

    # *Verdacht melden*: a form prefilled with what Carla typed; the note goes to everyone
    # who may declare (social media team and management), not to Carla herself.
    await crisis_bot.slack.click(CARLA, "crisis.suspect", "Ich finde, das ist eine Krise")
    view = await eventually(lambda: fake_slack.views[-1] if fake_slack.views else None)
    assert "Ich finde, das ist eine Krise" in json.dumps(view, ensure_ascii=False)
    status, body = await crisis_bot.slack.submit_view(CARLA, view, {"note": " "})
    assert status == 200 and "errors" in body
    note = "Shitstorm unter dem Kinderwagen-Post auf Instagram, seit 9 Uhr 300 Kommentare"
    await crisis_bot.slack.submit_view(CARLA, view, {"note": note})
    for user in (ANNA, BEN):
        alert = await dm(fake_slack, user)
        assert alert.text.startswith("🔎 Verdacht auf eine Krise, gemeldet von Carla Neumann")
        assert note in block_texts(alert.blocks) and "/crisis WAS PASSIERT" in block_texts(
            alert.blocks
        )
    assert fake_slack.dms_to(DAVID) == []  # press may not declare
    thanks = await eventually(
        lambda: [e for e in fake_slack.ephemerals if "Verdacht ist gemeldet" in str(e["text"])]
    )
    assert "Danke – dein Verdacht ist gemeldet an: Anna Schmidt, Ben Weber" in thanks[0]["text"]


async def test_unacknowledged_are_paged_until_they_ack(
    crisis_bot: CrisisBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = crisis_bot, fake_slack
    await bot.slack.command(BEN, "/crisis", "Datenleck beim Gewinnspiel")
    await dm(fake, DAVID)
    await dm(fake, ANNA)
    for minute in (9, 10, 19, 20, 30):
        bot.clock.set(START + timedelta(minutes=minute))
        await bot.run_timers()
    await dm(fake, DAVID, 4)
    await dm(fake, ANNA, 4)
    await bot.slack.click(ANNA, "crisis.ack", "1")
    await eventually(lambda: all(p.updates for p in fake.dms_to(ANNA)))
    for minute in (40, 50):
        bot.clock.set(START + timedelta(minutes=minute))
        await bot.run_timers()
    await dm(fake, DAVID, 6)
    assert len([m for m in fake.dms_to(ANNA) if m.text.startswith(("🚨", "Erinnerung"))]) == 4

    # Every 30 minutes without an update, the room is reminded; an update restarts the count.
    room = "krise-2026-11-22-datenleck-beim-gewinnspiel"
    reminder = await in_room(fake, "Zeit für ein Lage-Update zu Krise #1", name=room)
    assert "Letztes Update: 22.11.2026, 10:00" in block_texts(reminder.blocks)
    bot.clock.set(START + timedelta(minutes=55))
    await bot.slack.command(ANNA, "/crisis", "update Gewinnspiel pausiert")
    await reply_to(fake, "cmd", 2)
    bot.clock.set(START + timedelta(minutes=80))
    await bot.run_timers()
    bot.clock.set(START + timedelta(minutes=85))
    await bot.run_timers()
    await eventually(
        lambda: len([m for m in fake.posts_in(room_id(fake, room)) if "Zeit für" in m.text]) == 2
    )
    second = [m for m in fake.posts_in(room_id(fake, room)) if "Zeit für" in m.text][1]
    assert "Letztes Update: 22.11.2026, 10:55" in block_texts(second.blocks)
    assert fake.dms_to(BEN) == []  # the declarer is on it by declaring
    async with bot.runtime.sessions() as session:
        david = await session.scalar(select(CrisisMember).where(CrisisMember.pages == 7))
        assert david is not None and david.acked_at is None


async def test_a_second_crisis_points_to_the_open_one(
    crisis_bot: CrisisBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = crisis_bot, fake_slack
    fake.take_name(ROOM)  # an old channel of that name exists
    await bot.slack.command(ANNA, "/crisis", "Rückruf Kinderwagen")
    await reply_to(fake, "cmd")
    await in_room(fake, "Krise #1", name=f"{ROOM}-2")
    assert [c.params["name"] for c in fake.calls_to("conversations.create")] == [ROOM, f"{ROOM}-2"]

    await bot.slack.command(BEN, "/crisis", "Noch etwas")
    said = await reply_to(fake, "cmd", 2)
    assert "Krise #1 läuft bereits: „Rückruf Kinderwagen“" in said and "--parallel" in said

    await bot.slack.command(BEN, "/crisis", "Noch etwas --parallel")
    assert "Krise #2 ausgerufen. Krisenraum: #krise-2026-11-22-noch-etwas" in await reply_to(
        fake, "cmd", 3
    )
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Crisis)) == 2


async def test_room_creation_survives_a_rate_limit(
    crisis_bot: CrisisBot, fake_slack: FakeSlackApi
) -> None:
    fake_slack.fail("conversations.create", status=429, retry_after=1)
    await crisis_bot.slack.command(ANNA, "/crisis", "Rückruf Kinderwagen")
    await eventually(lambda: fake_slack.calls_to("conversations.create"))

    async def refusal_recorded() -> bool:
        async with crisis_bot.runtime.sessions() as session:
            row = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "room"))
            return row is not None and row.attempts >= 1

    await eventually_async(refusal_recorded)  # the pause is measured on the frozen clock
    crisis_bot.advance(timedelta(seconds=5))  # past Retry-After
    crisis_bot.runtime.dispatcher.notify()
    await in_room(fake_slack, "Krise #1: Rückruf Kinderwagen")
    await reply_to(fake_slack, "cmd")
    assert len(fake_slack.calls_to("conversations.create")) == 2
    assert len(fake_slack.channels) == 1


async def test_commands_explain_themselves(crisis_bot: CrisisBot, fake_slack: FakeSlackApi) -> None:
    await crisis_bot.slack.command(ANNA, "/crisis", "")
    assert "`/crisis resolve ZUSAMMENFASSUNG`" in await reply_to(fake_slack, "cmd")
    await crisis_bot.slack.command(ANNA, "/crisis", "status")
    assert "Gerade ist keine Krise offen." in await reply_to(fake_slack, "cmd", 2)
    await crisis_bot.slack.command(ANNA, "/crisis", "Rückruf Kinderwagen")
    await reply_to(fake_slack, "cmd", 3)
    await crisis_bot.slack.command(ANNA, "/crisis", "resolve")
    assert "`/crisis resolve` und eine kurze Zusammenfassung" in await reply_to(
        fake_slack, "cmd", 4
    )
    await crisis_bot.slack.command(CARLA, "/crisis", "status")
    assert "Das dürfen nur das Krisenteam" in await reply_to(fake_slack, "cmd", 5)
    async with crisis_bot.runtime.sessions() as session:
        crisis = await session.scalar(select(Crisis))
        assert crisis is not None and crisis.status == "open"
    assert len(answers(fake_slack)) == 5  # one answer per command, none doubled
