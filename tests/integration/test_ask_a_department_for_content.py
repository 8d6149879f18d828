"""The social media manager asks a department for content by a deadline, with a reason; the
lead accepts, declines with a reason, or sends content that enters the approval path.
Reminders and the overdue note come from durable timers, driven here by a frozen clock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.outbox.dispatcher import Dispatcher
from bot.timers.runner import TimerRunner
from storage.models import ContentItem, ContentRequest, Timer
from tests import intake_files as f
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.integration.test_send_files_to_the_bot import (
    ANNA,
    BEN,
    dm,
    outbox_settles,
    send_file,
)
from tests.support import block_texts, buttons, eventually, people_on_slack

assert outbox_settles  # autouse here too
ASK = "marketing Visual für die Facebook-Aktion bis morgen 12 Uhr weil Kampagnenstart am Freitag"


async def ask(bot: RunningBot, fake: FakeSlackApi, text: str = ASK) -> str:
    before = len(fake.responses)
    await bot.slack.command(ANNA, "/request", text)
    answer = await eventually(lambda: fake.responses[before:])
    return str(answer[0]["text"]) + "\n" + block_texts(answer[0].get("blocks") or [])


async def test_the_lead_gets_the_request_with_its_reason(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    said = await ask(bot, fake_slack)
    assert "Angefragt: #1 bei Ben Weber" in said

    card = await dm(fake_slack, BEN)
    shown = block_texts(card.blocks)
    assert "Inhaltsanfrage #1 von Anna Schmidt" in shown
    assert "Visual für die Facebook-Aktion" in shown
    assert "Warum: Kampagnenstart am Freitag" in shown
    assert "12:00" in shown and "Marketing" in shown
    assert set(buttons(card.blocks)) == {
        "content_request.accept",
        "content_request.decline",
        "content_request.send",
    }

    await bot.slack.click(BEN, "content_request.accept", "1")
    await eventually(lambda: card.updates)
    assert "Angenommen von Ben Weber" in block_texts(card.blocks)
    note = await dm(fake_slack, ANNA)
    assert "Ben Weber hat deine Anfrage #1 „Visual für die Facebook-Aktion“ angenommen" in note.text


async def test_sent_content_is_linked_and_enters_the_approval_path(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await ask(bot, fake_slack)
    card = await dm(fake_slack, BEN)
    await bot.slack.click(BEN, "content_request.send", buttons(card.blocks)["content_request.send"])
    told = await eventually(
        lambda: [r for r in fake_slack.responses if "Schick mir jetzt die Datei" in r["text"]]
    )
    assert "Anfrage #1" in told[0]["text"]
    accepted = await dm(fake_slack, ANNA)
    assert "angenommen" in accepted.text

    await send_file(bot, fake_slack, "facebook.png", f.png(1200, 628), "Das Visual", user=BEN)
    draft = await dm(fake_slack, BEN, 2)
    assert "Zur Anfrage" in block_texts(draft.blocks)
    assert "#1 Visual für die Facebook-Aktion" in block_texts(draft.blocks)
    await bot.slack.click(BEN, "intake.submit", buttons(draft.blocks)["intake.submit"])

    # Ben leads marketing, so the first stage falls back to the social media manager.
    await eventually(lambda: len(fake_slack.dms_to(ANNA)) >= 3)
    texts = [m.text for m in fake_slack.dms_to(ANNA)]
    assert any(
        "Ben Weber hat Inhalt zu deiner Anfrage #1 „Visual für die Facebook-Aktion“ geschickt"
        " – er ist als #1 im Freigabeprozess" in t
        for t in texts
    )
    assert any("Freigabe angefragt: Das Visual" in t for t in texts)
    await eventually(lambda: "Geliefert von Ben Weber" in block_texts(card.blocks))
    assert buttons(card.blocks) == {}
    async with bot.runtime.sessions() as session:
        request = await session.get(ContentRequest, 1)
        assert request is not None and request.status == "delivered" and request.item_id == 1
        open_timers = await session.scalar(
            select(func.count())
            .select_from(Timer)
            .where(Timer.key.startswith("content_request:1:"), Timer.cancelled_at.is_(None))
        )
        assert open_timers == 0


async def test_declining_needs_a_reason_and_tells_the_requester(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await ask(bot, fake_slack)
    card = await dm(fake_slack, BEN)
    await bot.slack.click(BEN, "content_request.decline", "1")
    view = await eventually(lambda: fake_slack.views[-1] if fake_slack.views else None)
    status, body = await bot.slack.submit_view(BEN, view, {"reason": "  "})
    assert status == 200 and "errors" in body  # the modal refuses a blank reason
    status, _ = await bot.slack.submit_view(BEN, view, {"reason": "Keine Kapazität diese Woche"})
    note = await dm(fake_slack, ANNA)
    assert "Ben Weber hat deine Anfrage #1" in note.text
    assert "abgelehnt: Keine Kapazität diese Woche" in note.text
    await eventually(lambda: card.updates)
    assert "Abgelehnt von Ben Weber" in block_texts(card.blocks)
    assert "Keine Kapazität" in block_texts(card.blocks)


async def test_only_the_asked_person_answers(bot: RunningBot, fake_slack: FakeSlackApi) -> None:
    people_on_slack(fake_slack)
    await ask(bot, fake_slack)
    await dm(fake_slack, BEN)
    await bot.slack.click(ANNA, "content_request.accept", "1")
    said = await eventually(
        lambda: [r for r in fake_slack.responses if "ging an Ben Weber" in r["text"]]
    )
    assert said
    async with bot.runtime.sessions() as session:
        request = await session.get(ContentRequest, 1)
        assert request is not None and request.status == "open"


async def test_reminder_before_and_a_note_when_the_deadline_passes(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await ask(bot, fake_slack, "@ben Zitat zur Messe bis übermorgen 12 Uhr weil Pressemitteilung")
    await dm(fake_slack, BEN)
    async with bot.runtime.sessions() as session:
        request = await session.get(ContentRequest, 1)
        assert request is not None
        due = request.due_at
    # Timers and the messages they cause run on the frozen clock: a day later, in a minute.
    clock = FrozenClock(due - timedelta(hours=24) + timedelta(minutes=1))
    runner = TimerRunner(bot.runtime.sessions, bot.runtime.org, clock)
    outbox = Dispatcher(bot.runtime.sessions, bot.runtime.platforms, clock)
    assert await runner.run_due() == 1
    await outbox.deliver_due()
    reminder = await dm(fake_slack, BEN, 2)
    assert "Erinnerung: Anfrage #1 „Zitat zur Messe“ ist bis" in reminder.text
    assert "content_request.send" in buttons(reminder.blocks)
    assert await runner.run_due() == 0  # fires once

    clock.set(due + timedelta(minutes=1))
    assert await runner.run_due() == 2  # the 2h reminder, then the deadline
    await outbox.deliver_due()
    note = await eventually(lambda: [m for m in fake_slack.dms_to(ANNA) if "⏰" in m.text])
    assert "Die Frist für Anfrage #1 „Zitat zur Messe“ bei Ben Weber ist abgelaufen" in note[0].text
    assert await runner.run_due() == 0


async def test_open_requests_are_listed_both_ways(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await ask(bot, fake_slack)
    await ask(bot, fake_slack, "@carla Foto vom Stand by friday 3pm")
    before = len(fake_slack.responses)
    await bot.slack.command(BEN, "/request", "")
    answer = await eventually(lambda: fake_slack.responses[before:])
    shown = block_texts(answer[0]["blocks"])
    assert "An dich:" in shown and "#1 Visual für die Facebook-Aktion – Anna Schmidt" in shown
    assert "Foto vom Stand" not in shown
    before = len(fake_slack.responses)
    await bot.slack.command(ANNA, "/desk", "request")
    answer = await eventually(lambda: fake_slack.responses[before:])
    shown = block_texts(answer[0]["blocks"])
    assert "Von dir:" in shown and "– Ben Weber" in shown and "– Carla Neumann" in shown


async def test_bad_requests_explain_and_store_nothing(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    assert "Bis wann brauchst du es?" in await ask(bot, fake_slack, "marketing ein Visual")
    assert "Die Frist verstehe ich nicht" in await ask(bot, fake_slack, "marketing X bis nie")
    assert "in der Vergangenheit" in await ask(bot, fake_slack, "marketing X bis 1.1.2020")
    said = await ask(bot, fake_slack, "vertrieb X bis morgen")
    assert "„vertrieb“ ist weder eine Abteilung (`marketing`, `produkt`)" in said
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContentRequest)) == 0
        timers = select(func.count()).select_from(Timer)
        assert await session.scalar(timers.where(Timer.kind.startswith("content_request"))) == 0


async def test_departments_show_leads_members_and_contributions(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await bot.slack.command("U0CARLA", "/submit", "Beitrag zur Messe")
    await dm(fake_slack, BEN)
    await bot.slack.command(ANNA, "/desk", "departments")
    answer = await eventually(
        lambda: [r for r in fake_slack.responses if r["text"] == "Abteilungen"]
    )
    shown = block_texts(answer[0]["blocks"])
    assert "Abteilungen" in shown
    assert "*Marketing* (`marketing`)" in shown
    assert "Leitung: Ben Weber (0 Beiträge)" in shown
    assert "Mitglieder: Carla Neumann (1 Beitrag)" in shown
    assert "Könnten mitmachen: Ben Weber" in shown
    assert "*Produktmanagement*" in shown and "Leitung: Felix Wolf" in shown
    assert "Ohne Abteilung:" in shown and "Anna Schmidt" in shown
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContentItem)) == 1


async def test_desk_status_lists_open_requests_both_ways(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await ask(bot, fake_slack)
    await bot.slack.command(BEN, "/desk", "status")
    answer = await eventually(
        lambda: [r for r in fake_slack.responses if "Offene Inhaltsanfragen" in str(r["blocks"])]
    )
    shown = block_texts(answer[0]["blocks"])
    assert "An dich:" in shown and "#1 Visual für die Facebook-Aktion – Anna Schmidt" in shown
